// POST /v1/videos/:id/playback-sessions against the real database: who gets a session for which video, and what its
// token vouches for (checked with the events ingest's own verifier).
import { verifyPlaybackSession } from '@reelforge/storage/tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, multipart, register, startHarness, testVideo } from '../api.harness.js';

const SECRETS = ['session-int-newest-secret-0123456789-0123456789', 'session-int-older-secret-0123456789-0123456789'];
const NOW = Date.now();

let h: Harness;
let alice: Awaited<ReturnType<typeof register>>;
let bob: Awaited<ReturnType<typeof register>>;
let privateReady: string;
let publicReady: string;
let publicProcessing: string;

beforeAll(async () => {
  let clip: Buffer;
  [h, clip] = await Promise.all([startHarness({ playbackSession: { secrets: SECRETS, ttlSec: 600 } }), testVideo()]);
  [alice, bob] = await Promise.all([register(h.app, 'alice@example.com'), register(h.app, 'bob@example.com')]);
  const upload = async (title: string) => {
    const body = multipart([
      { name: 'title', value: title },
      { name: 'file', filename: 'clip.mp4', content: clip },
    ]);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/videos',
      headers: { ...body.headers, ...alice.auth },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(202);
    return res.json().id as string;
  };
  // One after another: two streamed uploads at once is a user's quota.
  privateReady = await upload('a');
  publicReady = await upload('b');
  publicProcessing = await upload('c');
  await h.db.updateTable('videos').set({ status: 'ready' }).where('id', 'in', [privateReady, publicReady]).execute();
  await h.db
    .updateTable('videos')
    .set({ visibility: 'public' })
    .where('id', 'in', [publicReady, publicProcessing])
    .execute();
});
afterAll(async () => h?.close());

const start = (id: string, auth: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: `/v1/videos/${id}/playback-sessions`, headers: auth });

const claimsOf = (token: string) => {
  const verdict = verifyPlaybackSession(SECRETS, token, Math.floor(NOW / 1000));
  if (!verdict.ok) throw new Error(`token refused: ${verdict.reason}`);
  return verdict.session;
};

describe('playback sessions', () => {
  it('gives an anonymous viewer a session on a public video, bound to a fresh viewer id', async () => {
    const [one, two] = [await start(publicReady), await start(publicReady)];
    expect(one.statusCode).toBe(201);
    const a = one.json();
    const claims = claimsOf(a.token);
    expect(claims).toMatchObject({ videoId: publicReady, sessionId: a.sessionId, userId: null });
    expect(claims.viewerId).toMatch(/^[0-9a-f-]{36}$/);
    // Short-lived: the TTL from now, and the reply's expiry is the token's.
    expect(Date.parse(a.expiresAt) / 1000).toBe(claims.expiresAt);
    expect(claims.expiresAt - NOW / 1000).toBeGreaterThan(590);
    expect(claims.expiresAt - NOW / 1000).toBeLessThan(700);
    // Every request is a new session and a new anonymous viewer.
    const b = claimsOf(two.json().token);
    expect([b.sessionId === claims.sessionId, b.viewerId === claims.viewerId]).toEqual([false, false]);
  });

  it('binds a signed-in viewer by user id, on public videos and on their own private ones', async () => {
    const mine = await start(privateReady, alice.auth);
    expect(mine.statusCode).toBe(201);
    expect(claimsOf(mine.json().token)).toMatchObject({
      videoId: privateReady,
      userId: alice.userId,
      viewerId: alice.userId,
    });
    const theirs = await start(publicReady, bob.auth);
    expect(claimsOf(theirs.json().token)).toMatchObject({ userId: bob.userId, viewerId: bob.userId });
  });

  it("answers 404 for another user's private video, anonymously or signed in, as for a missing one", async () => {
    const missing = await start('00000000-0000-4000-8000-000000000000', bob.auth);
    for (const res of [await start(privateReady), await start(privateReady, bob.auth), missing]) {
      expect([res.statusCode, res.json().code, res.json().detail]).toEqual([404, 'NOT_FOUND', missing.json().detail]);
    }
  });

  it('answers 409 for a video that is not ready, 400 for a malformed id, 401 for a bad bearer token', async () => {
    const processing = await start(publicProcessing);
    expect([processing.statusCode, processing.json().code]).toEqual([409, 'CONFLICT']);
    const malformed = await start('not-a-uuid');
    expect([malformed.statusCode, malformed.json().code]).toEqual([400, 'BAD_REQUEST']);
    const forged = await start(publicReady, { authorization: 'Bearer not.a.jwt' });
    expect([forged.statusCode, forged.json().code]).toEqual([401, 'UNAUTHORIZED']);
  });
});
