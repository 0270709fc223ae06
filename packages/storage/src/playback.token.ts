// Signed playback tokens for private videos. A token sits in the URL *path* in front of the object key
// (`/t/{token}/videos/{videoId}/…`), so the relative references inside HLS playlists and the storyboard VTT resolve
// under the same token: master → variant playlists → init and media segments all carry it without rewriting.
//
// The token binds a video id and an expiry with HMAC-SHA256 and nothing else, so the edge verifies it with no
// database call (the local playback edge here; a CloudFront Function in AWS, infra/aws/src/edge, which implements the
// same format — their tests share the vectors in playback.token.vectors.json). Several secrets may be configured:
// tokens are signed with the first and accepted with any, so a secret can be rotated without breaking links.
import { hmac, signedByAny } from './hmac.signature.js';

/** What a token is about: the video whose objects it opens, until when (unix seconds). */
export interface PlaybackGrant {
  videoId: string;
  expiresAt: number;
}

export type TokenVerdict =
  | { ok: true; grant: PlaybackGrant }
  | { ok: false; reason: 'malformed' | 'expired' | 'bad-signature' };

const TOKEN = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

const message = (videoId: string, expiresAt: number) => `playback.v1.${videoId}.${expiresAt}`;

/** `{expiresAt}.{signature}`: URL-path safe as it is (digits, a dot and base64url). */
export function signPlaybackToken(secret: string, grant: PlaybackGrant): string {
  if (!Number.isInteger(grant.expiresAt) || grant.expiresAt < 0) throw new RangeError('expiresAt must be unix seconds');
  return `${grant.expiresAt}.${hmac(secret, message(grant.videoId, grant.expiresAt)).toString('base64url')}`;
}

/** Checks `token` for `videoId` (taken from the path it was found in) at `nowSec` against each secret. */
export function verifyPlaybackToken(
  secrets: readonly string[],
  token: string,
  videoId: string,
  nowSec: number,
): TokenVerdict {
  const m = TOKEN.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const expiresAt = Number(m[1]);
  const given = Buffer.from(m[2] as string, 'base64url');
  const signed = signedByAny(secrets, message(videoId, expiresAt), given);
  // The signature is checked before the expiry so a forged token learns nothing from the answer.
  if (!signed) return { ok: false, reason: 'bad-signature' };
  if (expiresAt < nowSec) return { ok: false, reason: 'expired' };
  return { ok: true, grant: { videoId, expiresAt } };
}

/** The path prefix a token adds in front of an object key. */
export const tokenPathPrefix = (token: string) => `t/${token}/`;
