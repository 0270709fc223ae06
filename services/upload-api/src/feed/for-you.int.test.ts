// GET /v1/feed/for-you against real MySQL: a signed-in reader's list as the recommender wrote it, re-filtered when
// read (a video made private or liked after the build does not show), and trending for everyone else.
import { randomUUID } from 'node:crypto';
import { RecommendationRepository, VideoRepository } from '@reelforge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, register, startHarness } from '../api.harness.js';

let h: Harness;
let alice: Awaited<ReturnType<typeof register>>;
let bob: Awaited<ReturnType<typeof register>>;
let carol: Awaited<ReturnType<typeof register>>;

beforeAll(async () => {
  h = await startHarness();
  [alice, bob, carol] = await Promise.all([
    register(h.app, 'alice@example.com'),
    register(h.app, 'bob@example.com'),
    register(h.app, 'carol@example.com'),
  ]);
});
afterAll(() => h?.close());

/** A public (or private) ready video, as completion leaves it (no renditions: the feed does not need them). */
async function readyVideo(ownerId: string, title: string, visibility: 'public' | 'private' = 'public') {
  const videos = new VideoRepository(h.db);
  const id = randomUUID();
  await h.db.transaction().execute(async (tx) => {
    await videos.create(tx, { id, ownerId, title, visibility, status: 'uploaded' });
  });
  await videos.transition(id, ['uploaded'], 'queued');
  await h.db.transaction().execute(async (tx) => {
    await videos.markReady(tx, id, 1, {
      hlsMasterKey: `videos/${id}/1/master.m3u8`,
      posterKey: `videos/${id}/1/poster.jpg`,
      spriteKey: `videos/${id}/1/sprite.jpg`,
      vttKey: `videos/${id}/1/sprite.vtt`,
      durationSec: 10,
      width: 640,
      height: 360,
    });
  });
  return id;
}

type Auth = Record<string, string>;
const get = (url: string, auth: Auth = {}) => h.app.inject({ method: 'GET', url, headers: auth });
const page = async (auth: Auth, query = '') => {
  const res = await get(`/v1/feed/for-you${query}`, auth);
  expect(res.statusCode).toBe(200);
  return res.json() as { items: { id: string; title: string; likedByMe?: boolean }[]; nextCursor: string | null };
};

describe('GET /v1/feed/for-you', () => {
  it("serves the reader's list best first, page by page, without what became private, liked or theirs", async () => {
    const [v1, v2, v3, v4] = [
      await readyVideo(alice.userId, 'one'),
      await readyVideo(alice.userId, 'two'),
      await readyVideo(alice.userId, 'three'),
      await readyVideo(alice.userId, 'four'),
    ];
    const hidden = await readyVideo(alice.userId, 'private', 'private');
    const own = await readyVideo(bob.userId, 'bob’s own');
    // As a build writes it; the private and own entries stand for a list written before they changed.
    await new RecommendationRepository(h.db).replace(
      [
        {
          userId: bob.userId,
          items: [v3, hidden, v1, own, v4, v2].map((videoId, k) => ({ videoId, score: 6 - k })),
        },
      ],
      new Date(),
    );

    const first = await page(bob.auth, '?limit=2');
    expect(first.items.map((i) => i.title)).toEqual(['three', 'one']);
    expect(first.items.every((i) => i.likedByMe === false)).toBe(true);
    expect(first.nextCursor).toBe('000000000000002');
    const second = await page(bob.auth, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.title)).toEqual(['four', 'two']);
    expect(second.nextCursor).toBeNull();

    // After the build: a video goes private, another is liked; neither shows any more.
    expect(
      (
        await h.app.inject({
          method: 'PATCH',
          url: `/v1/videos/${v4}`,
          headers: alice.auth,
          payload: { visibility: 'private' },
        })
      ).statusCode,
    ).toBe(200);
    expect((await h.app.inject({ method: 'PUT', url: `/v1/videos/${v3}/like`, headers: bob.auth })).statusCode).toBe(
      200,
    );
    expect((await page(bob.auth, '?limit=10')).items.map((i) => i.title)).toEqual(['one', 'two']);
  });

  it('is the trending feed for an anonymous reader, for a reader without a list, and on a trending cursor', async () => {
    // Links are presigned per request, so pages are compared by what they list and where they continue.
    const ids = (p: { items: { id: string }[]; nextCursor: string | null }) => [p.items.map((i) => i.id), p.nextCursor];
    const trending = async (auth: Auth, query = '') => {
      const res = await get(`/v1/feed/trending${query}`, auth);
      expect(res.statusCode).toBe(200);
      return res.json() as { items: { id: string }[]; nextCursor: string | null };
    };
    const anonymous = await page({}, '?limit=3');
    expect(anonymous.items).toHaveLength(3);
    expect(ids(anonymous)).toEqual(ids(await trending({}, '?limit=3')));
    expect(ids(await page(carol.auth, '?limit=3'))).toEqual(ids(await trending(carol.auth, '?limit=3')));
    const next = (await trending({}, '?limit=1')).nextCursor as string;
    expect(next).toMatch(/^[0-9a-f]{15}$/);
    expect(ids(await page(bob.auth, `?limit=1&cursor=${next}`))).toEqual(
      ids(await trending(bob.auth, `?limit=1&cursor=${next}`)),
    );
  });

  it('refuses malformed paging with 400 and a bad token with 401, each with a stable code', async () => {
    for (const query of ['?cursor=zz', '?limit=0', '?limit=51', '?cursor=0000000000000020']) {
      const res = await get(`/v1/feed/for-you${query}`, bob.auth);
      expect([res.statusCode, res.json().code]).toEqual([400, 'BAD_REQUEST']);
    }
    const res = await get('/v1/feed/for-you', { authorization: 'Bearer not-a-token' });
    expect([res.statusCode, res.json().code]).toEqual([401, 'UNAUTHORIZED']);
  });
});
