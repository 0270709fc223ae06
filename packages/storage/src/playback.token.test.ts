import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signPlaybackToken, verifyPlaybackToken } from './playback.token.js';

// The vectors were checked with `openssl dgst -sha256 -hmac` over `playback.v1.{videoId}.{expiresAt}`; the
// CloudFront Function's test reads the same file.
const vectors = JSON.parse(readFileSync(new URL('./playback.token.vectors.json', import.meta.url), 'utf8'));
const [first, second] = vectors as { secret: string; videoId: string; expiresAt: number; token: string }[];
if (!first || !second) throw new Error('vectors missing');
const other = '11111111-2222-4333-8444-555555555555';

describe('playback tokens', () => {
  it('signs to the shared vectors', () => {
    expect(signPlaybackToken(first.secret, first)).toBe(first.token);
    expect(signPlaybackToken(second.secret, second)).toBe(second.token);
  });

  it('accepts a token for its video until its expiry second, with any configured secret', () => {
    expect(verifyPlaybackToken([first.secret], first.token, first.videoId, first.expiresAt)).toEqual({
      ok: true,
      grant: { videoId: first.videoId, expiresAt: first.expiresAt },
    });
    // Rotation: the new secret signs, the old one still opens links issued before.
    expect(verifyPlaybackToken([second.secret, first.secret], first.token, first.videoId, 0).ok).toBe(true);
  });

  it('refuses an expired token, another video, another secret, and anything malformed', () => {
    expect(verifyPlaybackToken([first.secret], first.token, first.videoId, first.expiresAt + 1)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyPlaybackToken([first.secret], first.token, other, 0)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyPlaybackToken([second.secret], first.token, first.videoId, 0)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    const forgedExpiry = first.token.replace(String(first.expiresAt), String(first.expiresAt + 3600));
    expect(verifyPlaybackToken([first.secret], forgedExpiry, first.videoId, 0).ok).toBe(false);
    for (const bad of [
      '',
      'x',
      `${first.expiresAt}.`,
      `${first.expiresAt}.${'A'.repeat(42)}`,
      `-1.${'A'.repeat(43)}`,
    ]) {
      expect(verifyPlaybackToken([first.secret], bad, first.videoId, 0)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses to sign a non-integer expiry', () => {
    expect(() => signPlaybackToken(first.secret, { videoId: first.videoId, expiresAt: 1.5 })).toThrow(RangeError);
  });
});
