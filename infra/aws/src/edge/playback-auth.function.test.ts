// Runs the CloudFront Function's own source under Node, with CloudFront's `cloudfront` (KeyValueStore) and `crypto`
// modules stood in by a Map and Node's crypto, against the token vectors packages/storage signs and verifies.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Vector {
  secret: string;
  videoId: string;
  expiresAt: number;
  token: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../../packages/storage/src/playback.token.vectors.json', import.meta.url), 'utf8'),
) as Vector[];
const [first, second] = vectors as [Vector, Vector];
const privateId = first.videoId;
const publicId = '11111111-2222-4333-8444-555555555555';

type Result = { uri?: string; statusCode?: number; body?: string };
type Handler = (event: { request: { uri: string } }) => Promise<Result>;

function load(store: Map<string, string>): Handler {
  const source = readFileSync(new URL('./playback-auth.function.js', import.meta.url), 'utf8').replace(
    /^import .*$/gm,
    '',
  );
  const cf = {
    kvs: () => ({
      get: async (key: string) => {
        const value = store.get(key);
        if (value === undefined) throw new Error(`key ${key} not found`);
        return value;
      },
    }),
  };
  const crypto = { createHmac: (alg: string, key: string) => createHmac(alg, key) };
  return new Function('cf', 'crypto', `${source}\nreturn handler;`)(cf, crypto) as Handler;
}

const kvs = () =>
  new Map([
    ['secret:0', second.secret],
    ['secret:1', first.secret],
    [`public:${publicId}`, '1'],
  ]);
const request = (uri: string) => ({ request: { uri } });
const code = (r: Result) => [r.statusCode, r.body === undefined ? undefined : JSON.parse(r.body).code];

describe('playback-auth CloudFront Function', () => {
  it('serves a public video without a token, unchanged', async () => {
    const handler = load(kvs());
    expect(await handler(request(`/videos/${publicId}/1/master.m3u8`))).toEqual({
      uri: `/videos/${publicId}/1/master.m3u8`,
    });
  });

  it('serves a private video with a valid token (old or new secret), rewriting to the object key', async () => {
    const handler = load(kvs());
    const now = Date.now;
    Date.now = () => (first.expiresAt - 10) * 1000;
    try {
      expect(await handler(request(`/t/${first.token}/videos/${privateId}/1/720p/seg_00001.m4s`))).toEqual({
        uri: `/videos/${privateId}/1/720p/seg_00001.m4s`,
      });
      expect((await handler(request(`/t/${second.token}/videos/${privateId}/1/poster.jpg`))).uri).toBe(
        `/videos/${privateId}/1/poster.jpg`,
      );
      // The signature is HMAC-SHA256 computed by CloudFront's crypto: check it against Node's independently.
      const mac = createHmac('sha256', first.secret)
        .update(`playback.v1.${privateId}.${first.expiresAt}`)
        .digest('base64url');
      expect(first.token).toBe(`${first.expiresAt}.${mac}`);
    } finally {
      Date.now = now;
    }
  });

  it('refuses: no token on a private video, an expired token, another video, paths outside videos/', async () => {
    const store = kvs();
    const handler = load(store);
    const now = Date.now;
    Date.now = () => (first.expiresAt + 1) * 1000;
    try {
      expect(code(await handler(request(`/videos/${privateId}/1/master.m3u8`)))).toEqual([404, 'NOT_FOUND']);
      expect(code(await handler(request(`/t/${first.token}/videos/${privateId}/1/master.m3u8`)))).toEqual([
        403,
        'TOKEN_EXPIRED',
      ]);
      expect(code(await handler(request(`/t/${second.token}/videos/${publicId}/1/master.m3u8`)))).toEqual([
        403,
        'TOKEN_INVALID',
      ]);
      for (const uri of [
        '/',
        '/sources/x/original',
        `/videos/${publicId}/../../sources/x`,
        `/t/x/videos/${publicId}/1/a`,
      ]) {
        expect(code(await handler(request(uri)))).toEqual([404, 'NOT_FOUND']);
      }
      // Made private: the plain path closes at once, whatever the cache holds.
      store.delete(`public:${publicId}`);
      expect(code(await handler(request(`/videos/${publicId}/1/master.m3u8`)))).toEqual([404, 'NOT_FOUND']);
    } finally {
      Date.now = now;
    }
  });
});
