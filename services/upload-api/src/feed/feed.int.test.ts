// The viewer side against real MySQL, S3, Redis and the outbox: public feeds, per-user likes, display names, and a
// cache whose reads change at once after a like, a visibility change, a delete and a video becoming ready.
import { randomUUID } from 'node:crypto';
import { RenditionRepository, transaction, VideoRepository } from '@reelforge/db';
import { freePort, redisUrl, uniqueName } from '@reelforge/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, register, startHarness } from '../api.harness.js';
import { createRedis } from '../cache/redis.client.js';

let h: Harness;
let redis: Redis;
let keyPrefix: string;
let alice: Awaited<ReturnType<typeof register>>;
let bob: Awaited<ReturnType<typeof register>>;

beforeAll(async () => {
  keyPrefix = `${uniqueName('feed')}:`;
  redis = new Redis(redisUrl());
  h = await startHarness({ cache: { keyPrefix, ttlSec: 300 } }, { redis });
  [alice, bob] = await Promise.all([
    register(h.app, 'alice@example.com', { displayName: 'Alice L.' }),
    register(h.app, 'bob.smith@example.com'),
  ]);
});
afterAll(async () => {
  await h?.close();
  if (redis) {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
});

type Auth = Record<string, string>;
const anonymous: Auth = {};

/** A video as completion leaves it: ready, with its outputs and two renditions. */
async function readyVideo(
  ownerId: string,
  opts: { title: string; visibility?: 'public' | 'private'; ready?: boolean },
) {
  const videos = new VideoRepository(h.db);
  const id = randomUUID();
  const root = `videos/${id}/1/`;
  await transaction(h.db, async (tx) => {
    await videos.create(tx, {
      id,
      ownerId,
      title: opts.title,
      visibility: opts.visibility ?? 'public',
      status: 'uploaded',
    });
  });
  if (opts.ready === false) return id;
  await makeReady(id, root);
  return id;
}

async function makeReady(id: string, root = `videos/${id}/1/`) {
  const videos = new VideoRepository(h.db);
  await videos.transition(id, ['uploaded'], 'queued');
  await h.db.transaction().execute(async (tx) => {
    await videos.markReady(tx, id, 1, {
      hlsMasterKey: `${root}master.m3u8`,
      posterKey: `${root}poster.jpg`,
      spriteKey: `${root}sprite.jpg`,
      vttKey: `${root}sprite.vtt`,
      durationSec: 12.5,
      width: 1280,
      height: 720,
    });
    await new RenditionRepository(h.db).replaceForVideo(tx, id, 1, [
      {
        name: '720p',
        width: 1280,
        height: 720,
        bitrateKbps: 3000,
        codecs: 'avc1',
        mp4Key: `${root}720p.mp4`,
        playlistKey: `${root}720p/index.m3u8`,
        bytes: 10,
      },
    ]);
  });
}

const call = (method: 'GET' | 'PUT' | 'DELETE' | 'PATCH', url: string, auth: Auth = anonymous, payload?: object) =>
  h.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
const feed = async (auth: Auth = anonymous, query = '') => {
  const res = await call('GET', `/v1/feed${query}`, auth);
  expect(res.statusCode).toBe(200);
  return res.json() as { items: Record<string, unknown>[]; nextCursor: string | null };
};
const feedIds = async (auth: Auth = anonymous) => (await feed(auth, '?limit=50')).items.map((i) => i.id);
const like = (id: string, auth: Auth) => call('PUT', `/v1/videos/${id}/like`, auth);
const unlike = (id: string, auth: Auth) => call('DELETE', `/v1/videos/${id}/like`, auth);
const cacheHits = async () =>
  (await h.registry.getSingleMetric('reelforge_cache_reads_total')?.get())?.values
    .filter((v) => v.labels.result === 'hit')
    .reduce((n, v) => n + v.value, 0) ?? 0;

describe('GET /v1/feed', () => {
  it("shows a public ready video in another user's feed and to anonymous readers; never a private or unready one", async () => {
    const shown = await readyVideo(alice.userId, { title: 'for everyone' });
    const hidden = await readyVideo(alice.userId, { title: 'just mine', visibility: 'private' });
    const unready = await readyVideo(alice.userId, { title: 'not yet', ready: false });

    const forBob = await feed(bob.auth, '?limit=50');
    const item = forBob.items.find((i) => i.id === shown);
    expect(item).toMatchObject({
      title: 'for everyone',
      ownerName: 'Alice L.',
      durationSec: 12.5,
      views: 0,
      likes: 0,
      likedByMe: false,
    });
    // The links GET /v1/videos/:id gives for the same public video.
    const resource = (await call('GET', `/v1/videos/${shown}`)).json();
    expect(item).toMatchObject({ hls: resource.hls, poster: resource.poster, renditions: resource.renditions });
    expect(resource.renditions).toHaveLength(1);

    for (const auth of [bob.auth, anonymous, alice.auth]) {
      const ids = await feedIds(auth);
      expect(ids).toContain(shown);
      expect(ids).not.toContain(hidden);
      expect(ids).not.toContain(unready);
    }
    expect((await feed(anonymous, '?limit=50')).items.find((i) => i.id === shown)).not.toHaveProperty('likedByMe');
  });

  it('pages newest first with opaque cursors, and refuses malformed paging', async () => {
    const carol = await register(h.app, 'carol@example.com');
    const mine: string[] = [];
    for (const title of ['c1', 'c2', 'c3']) mine.push(await readyVideo(carol.userId, { title }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await feed(anonymous, cursor ? `?limit=2&cursor=${cursor}` : '?limit=2');
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id as string));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.filter((id) => mine.includes(id))).toEqual([...mine].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    for (const query of ['?cursor=garbage', '?limit=0', '?limit=51', '?limit=two']) {
      const res = await call('GET', `/v1/feed${query}`);
      expect([query, res.statusCode, res.json().code]).toEqual([query, 400, 'BAD_REQUEST']);
    }
    const forged = await call('GET', '/v1/feed', { authorization: 'Bearer not-a-token' });
    expect([forged.statusCode, forged.json().code]).toEqual([401, 'UNAUTHORIZED']);
  });
});

describe('GET /v1/feed/trending', () => {
  it('ranks videos ready within the window by views + 3 × likes, pages them, and leaves older ones out', async () => {
    const dan = await register(h.app, 'dan@example.com');
    const [low, mid, top, old] = (await Promise.all(
      ['low', 'mid', 'top', 'old'].map((title) => readyVideo(dan.userId, { title })),
    )) as [string, string, string, string];
    await h.db
      .insertInto('videoEngagement')
      .values([
        { videoId: low, views: 1_000_001 },
        { videoId: mid, views: 1_000_000 },
        { videoId: top, views: 999_999 },
        { videoId: old, views: 5_000_000 },
      ])
      .execute();
    // One like is worth three views: 999_999 + 3 beats 1_000_001.
    expect((await like(top, bob.auth)).statusCode).toBe(200);
    await h.db
      .updateTable('videos')
      .set({ readyAt: new Date(Date.now() - 73 * 3600_000) })
      .where('id', '=', old)
      .execute();

    const first = (await call('GET', '/v1/feed/trending?limit=2', bob.auth)).json();
    expect(first.items.map((i: { id: string }) => i.id)).toEqual([top, low]);
    expect(first.items[0]).toMatchObject({ likes: 1, likedByMe: true, ownerName: 'dan' });
    const second = (await call('GET', `/v1/feed/trending?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items[0].id).toBe(mid);
    const all = (await call('GET', '/v1/feed/trending?limit=50')).json().items.map((i: { id: string }) => i.id);
    expect(all).not.toContain(old);

    const bad = await call('GET', `/v1/feed/trending?cursor=${encodeURIComponent(first.nextCursor.slice(1))}`);
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'BAD_REQUEST']);
  });
});

describe('likes', () => {
  it('counts a user once however often they like, DELETE undoes it, and each change goes to the lake once', async () => {
    const id = await readyVideo(alice.userId, { title: 'likeable' });
    for (let i = 0; i < 2; i++) {
      const res = await like(id, bob.auth);
      expect([res.statusCode, res.json()]).toEqual([200, { videoId: id, likes: 1, likedByMe: true }]);
    }
    expect((await like(id, alice.auth)).json()).toEqual({ videoId: id, likes: 2, likedByMe: true });
    expect((await call('GET', `/v1/videos/${id}`)).json()).not.toHaveProperty('likedByMe');
    expect((await call('GET', `/v1/videos/${id}`, bob.auth)).json()).toMatchObject({ likes: 2, likedByMe: true });
    expect((await feed(bob.auth, '?limit=50')).items.find((i) => i.id === id)).toMatchObject({
      likes: 2,
      likedByMe: true,
    });

    for (let i = 0; i < 2; i++) {
      const res = await unlike(id, bob.auth);
      expect([res.statusCode, res.json()]).toEqual([200, { videoId: id, likes: 1, likedByMe: false }]);
    }
    expect((await call('GET', `/v1/videos/${id}`)).json().likes).toBe(1);
    // The cached public resource is the same for everyone; the reader's own state is added after it.
    expect((await call('GET', `/v1/videos/${id}`, bob.auth)).json()).toMatchObject({ likes: 1, likedByMe: false });
    expect((await call('GET', `/v1/videos/${id}`, alice.auth)).json()).toMatchObject({ likes: 1, likedByMe: true });

    const records = (
      await h.db
        .selectFrom('outbox')
        .select(['topic', 'messageKey', 'payload'])
        .where('messageKey', '=', id)
        .where('topic', '=', 'engagement.events')
        .execute()
    ).map((r) => ({ topic: r.topic, ...JSON.parse(r.payload).event }));
    expect(records.map((r) => [r.topic, r.event_type, r.user_id, r.content_id])).toEqual([
      ['engagement.events', 'like', bob.userId, id],
      ['engagement.events', 'like', alice.userId, id],
      ['engagement.events', 'unlike', bob.userId, id],
    ]);
  });

  it('is for signed-in users on videos they can see: 401 anonymous, 404 private or unknown, 400 malformed', async () => {
    const secret = await readyVideo(alice.userId, { title: 'secret', visibility: 'private' });
    for (const res of [await like(secret, bob.auth), await unlike(secret, bob.auth)]) {
      expect([res.statusCode, res.json().code]).toEqual([404, 'NOT_FOUND']);
    }
    expect((await like(randomUUID(), bob.auth)).statusCode).toBe(404);
    for (const res of [await like(secret, anonymous), await unlike(secret, anonymous)]) {
      expect([res.statusCode, res.json().code]).toEqual([401, 'UNAUTHORIZED']);
    }
    expect((await like('not-a-uuid', bob.auth)).json().code).toBe('BAD_REQUEST');
    // The owner may like their own private video; nobody else's like counted.
    expect((await like(secret, alice.auth)).json()).toEqual({ videoId: secret, likes: 1, likedByMe: true });
  });
});

describe('display names', () => {
  it('defaults to the local part of the email, never the email, and can be changed', async () => {
    const me = await call('GET', '/v1/me', bob.auth);
    expect(me.json()).toEqual({ id: bob.userId, email: 'bob.smith@example.com', displayName: 'bob.smith' });
    const id = await readyVideo(bob.userId, { title: 'by bob' });
    expect((await feed(anonymous, '?limit=50')).items.find((i) => i.id === id)?.ownerName).toBe('bob.smith');

    const changed = await call('PATCH', '/v1/me', bob.auth, { displayName: '  Bobby  ' });
    expect([changed.statusCode, changed.json().displayName]).toEqual([200, 'Bobby']);
    // The cached feed page names the new name at once.
    expect((await feed(anonymous, '?limit=50')).items.find((i) => i.id === id)?.ownerName).toBe('Bobby');
  });

  it('refuses empty, overlong or control-character names, unknown fields and anonymous callers', async () => {
    for (const payload of [{ displayName: '   ' }, { displayName: 'x'.repeat(65) }, { displayName: 'a\nb' }, {}]) {
      const res = await call('PATCH', '/v1/me', bob.auth, payload);
      expect([res.statusCode, res.json().code]).toEqual([400, 'BAD_REQUEST']);
    }
    expect((await call('PATCH', '/v1/me', bob.auth, { displayName: 'ok', email: 'x@y.z' })).statusCode).toBe(400);
    expect((await call('PATCH', '/v1/me', anonymous, { displayName: 'x' })).statusCode).toBe(401);
    expect((await call('GET', '/v1/me')).statusCode).toBe(401);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'eve@example.com', password: 'a long enough password', displayName: '' },
    });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'BAD_REQUEST']);
  });
});

describe('the cache', () => {
  it('serves repeated reads from Redis, and they change at once after a like, a visibility change and a delete', async () => {
    const id = await readyVideo(alice.userId, { title: 'hot' });
    const read = async () => (await call('GET', `/v1/videos/${id}`)).json();
    const inFeed = async () => (await feed(anonymous, '?limit=50')).items.find((i) => i.id === id);

    expect((await read()).likes).toBe(0);
    expect((await inFeed())?.likes).toBe(0);
    const hits = await cacheHits();
    expect((await read()).likes).toBe(0);
    expect((await inFeed())?.likes).toBe(0);
    expect(await cacheHits()).toBe(hits + 2);

    await like(id, bob.auth);
    expect((await read()).likes).toBe(1);
    expect((await inFeed())?.likes).toBe(1);

    const hidden = await call('PATCH', `/v1/videos/${id}`, alice.auth, { visibility: 'private' });
    expect(hidden.statusCode).toBe(200);
    expect((await call('GET', `/v1/videos/${id}`)).statusCode).toBe(404);
    expect(await inFeed()).toBeUndefined();

    await call('PATCH', `/v1/videos/${id}`, alice.auth, { visibility: 'public' });
    expect((await read()).visibility).toBe('public');
    expect(await inFeed()).toBeDefined();

    expect((await call('DELETE', `/v1/videos/${id}`, alice.auth)).statusCode).toBe(204);
    expect((await call('GET', `/v1/videos/${id}`)).statusCode).toBe(404);
    expect(await inFeed()).toBeUndefined();
  });

  it('shows a video on cached feeds as soon as completion makes it ready, without telling the cache', async () => {
    const id = await readyVideo(alice.userId, { title: 'arriving', ready: false });
    expect(await feedIds()).not.toContain(id);
    expect(await feedIds()).not.toContain(id);
    await makeReady(id);
    expect(await feedIds()).toContain(id);
  });

  it('answers uncached while Redis is unreachable', async () => {
    const down = createRedis(`redis://127.0.0.1:${await freePort()}`, {
      commandTimeoutMs: 250,
      logger: (await import('pino')).pino({ level: 'silent' }),
    });
    const offline = await startHarness({ cache: { keyPrefix, ttlSec: 300 } }, { redis: down });
    try {
      const owner = await register(offline.app, 'owner@example.com');
      const videos = new VideoRepository(offline.db);
      const id = randomUUID();
      await transaction(offline.db, (tx) =>
        videos.create(tx, { id, ownerId: owner.userId, title: 'no cache', visibility: 'public' }),
      );
      const started = Date.now();
      const res = await offline.app.inject({ method: 'GET', url: `/v1/videos/${id}` });
      expect([res.statusCode, res.json().title]).toEqual([200, 'no cache']);
      const page = await offline.app.inject({ method: 'GET', url: '/v1/feed' });
      expect(page.statusCode).toBe(200);
      const liked = await offline.app.inject({ method: 'PUT', url: `/v1/videos/${id}/like`, headers: owner.auth });
      expect(liked.json().likes).toBe(1);
      // No command waits for a connection: far below the reconnect backoff.
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await offline.close();
      down.disconnect();
    }
  });
});
