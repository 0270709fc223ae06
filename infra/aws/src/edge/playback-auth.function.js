// CloudFront Function (cloudfront-js-2.0, viewer request) guarding the processed bucket: the AWS twin of the local
// playback edge (services/playback-edge). Plain JavaScript of CloudFront's runtime: no imports but its own modules.
//
//   /videos/{videoId}/…               served only while the video is public
//   /t/{token}/videos/{videoId}/…     served for an unexpired token signed for that video
//
// What it consults lives in the distribution's KeyValueStore, written by upload-api: `public:{id}` exists while the
// video is public (so only public videos take room in the store), and `secret:0`/`secret:1` hold the signing
// secrets, newest first. No database call. A verified request is rewritten to the object key, so public and
// tokenized requests share one cache entry per object; a deleted video's objects are invalidated by upload-api.
// The token format is packages/storage/src/playback.token.ts's; the shared vectors test both.
import cf from 'cloudfront';
// biome-ignore lint/style/useNodejsImportProtocol: CloudFront's runtime names its module 'crypto', not 'node:crypto'.
import crypto from 'crypto';

const kvs = cf.kvs();
const PUBLIC_PATH = /^\/(videos\/([0-9a-f-]{36})\/[^?#]+)$/;
const TOKEN_PATH = /^\/t\/(\d{1,12})\.([A-Za-z0-9_-]{43})\/(videos\/([0-9a-f-]{36})\/[^?#]+)$/;

function refuse(status, code) {
  return {
    statusCode: status,
    statusDescription: status === 404 ? 'Not Found' : 'Forbidden',
    headers: {
      'content-type': { value: 'application/problem+json' },
      'cache-control': { value: 'no-store' },
    },
    body: JSON.stringify({ type: 'about:blank', status: status, code: code, title: code }),
  };
}

async function lookup(key) {
  try {
    return await kvs.get(key);
  } catch {
    return undefined; // absent
  }
}

// Constant time over the signature's length, so a forger learns nothing from timing.
function same(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls `handler` by name.
async function handler(event) {
  const request = event.request;
  const uri = request.uri;
  if (uri.indexOf('..') !== -1 || uri.indexOf('//') !== -1) return refuse(404, 'NOT_FOUND');
  const token = TOKEN_PATH.exec(uri);
  const plain = token ? null : PUBLIC_PATH.exec(uri);
  if (!token && !plain) return refuse(404, 'NOT_FOUND');
  // A private video's plain path answers as if it did not exist, like the API does for other users.
  if (!token) return (await lookup(`public:${plain[2]}`)) === undefined ? refuse(404, 'NOT_FOUND') : request;

  const videoId = token[4];

  const expiresAt = token[1];
  const message = `playback.v1.${videoId}.${expiresAt}`;
  let signed = false;
  for (let i = 0; i < 2 && !signed; i++) {
    const secret = await lookup(`secret:${i}`);
    if (secret) signed = same(crypto.createHmac('sha256', secret).update(message).digest('base64url'), token[2]);
  }
  if (!signed) return refuse(403, 'TOKEN_INVALID');
  if (Number(expiresAt) < Math.floor(Date.now() / 1000)) return refuse(403, 'TOKEN_EXPIRED');
  request.uri = `/${token[3]}`;
  return request;
}
