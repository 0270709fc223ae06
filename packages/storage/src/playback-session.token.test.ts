import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPlaybackToken } from './playback.token.js';
import { type PlaybackSessionClaims, signPlaybackSession, verifyPlaybackSession } from './playback-session.token.js';

const secret = 'a'.repeat(32);
const newer = 'b'.repeat(32);
const session: PlaybackSessionClaims = {
  videoId: '0b7c3a52-2f0e-4c31-9a57-8d2f0d6f1a11',
  sessionId: '5e0b7f1c-8f3a-4d6e-9b2c-1a2b3c4d5e6f',
  userId: null,
  viewerId: 'f3c2b1a0-1111-4222-8333-444455556666',
  expiresAt: 1_800_000_000,
};

describe('playback session tokens', () => {
  it('signs a fixed token for fixed input', () => {
    const token = signPlaybackSession(secret, session);
    expect(token).toBe(signPlaybackSession(secret, { ...session }));
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('gives back what it vouches for until its expiry second, with any configured secret', () => {
    const token = signPlaybackSession(secret, session);
    expect(verifyPlaybackSession([secret], token, session.expiresAt)).toEqual({ ok: true, session });
    expect(verifyPlaybackSession([newer, secret], token, 0)).toEqual({ ok: true, session });
    const signedIn = { ...session, userId: 'u-1', viewerId: 'u-1' };
    expect(verifyPlaybackSession([secret], signPlaybackSession(secret, signedIn), 0)).toEqual({
      ok: true,
      session: signedIn,
    });
  });

  it('refuses an expired token, another secret, a changed payload and anything malformed', () => {
    const token = signPlaybackSession(secret, session);
    expect(verifyPlaybackSession([secret], token, session.expiresAt + 1)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyPlaybackSession([newer], token, 0)).toEqual({ ok: false, reason: 'bad-signature' });
    const [, sig] = token.split('.');
    const other = Buffer.from(JSON.stringify({ ...session, videoId: '11111111-2222-4333-8444-555555555555' }));
    expect(verifyPlaybackSession([secret], `${other.toString('base64url')}.${sig}`, 0)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    // A path token for the same video is signed over another domain and never passes.
    const pathToken = signPlaybackToken(secret, { videoId: session.videoId, expiresAt: session.expiresAt });
    expect(verifyPlaybackSession([secret], pathToken, 0).ok).toBe(false);
    for (const bad of ['', 'x', `${token}.x`, `${token.slice(0, -1)}!`, `.${sig}`]) {
      expect(verifyPlaybackSession([secret], bad, 0)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses a well-signed payload of the wrong shape as malformed', () => {
    const payload = Buffer.from(JSON.stringify({ videoId: 'v', expiresAt: 1 })).toString('base64url');
    const sig = createHmac('sha256', secret).update(`playback-session.v1.${payload}`).digest('base64url');
    expect(verifyPlaybackSession([secret], `${payload}.${sig}`, 0)).toEqual({ ok: false, reason: 'malformed' });
  });
});
