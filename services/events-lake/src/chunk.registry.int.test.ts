// The registry on the real MariaDB: a range is fixed once, counts are added once.
import { createDb, type Database, type Kysely, migrateToLatest, VideoRepository } from '@reelforge/db';
import { createTestDatabase } from '@reelforge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkRegistry } from './chunk.registry.js';

const videoA = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';
const videoB = '7c0e4a52-1d3f-4c53-9a3e-8f0f3c1f2a22';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;

/** The video's views as the read API shows them (0 for a video nobody watched). */
const viewsOf = async (id: string) => (await new VideoRepository(db).viewsOf([id])).get(id) ?? 0;
let registry: ChunkRegistry;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 4 });
  await migrateToLatest(db);
  registry = new ChunkRegistry(db);
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

describe('ChunkRegistry', () => {
  it('fixes a range on first claim and returns that range to every later claim', async () => {
    expect(await registry.lookup('t', 0, 100n)).toBeNull();
    expect(await registry.claim('t', 0, 100n, 150n, 51)).toBe(150n);
    expect(await registry.claim('t', 0, 100n, 180n, 81)).toBe(150n);
    expect(await registry.lookup('t', 0, 100n)).toBe(150n);
    // Another partition, or another topic, is another range.
    expect(await registry.claim('t', 1, 100n, 180n, 81)).toBe(180n);
    expect(await registry.claim('u', 0, 100n, 120n, 21)).toBe(120n);
  });

  it('adds a chunk’s counts once, however often it is applied, even concurrently', async () => {
    await registry.claim('t', 2, 0n, 9n, 10);
    await registry.claim('t', 2, 10n, 19n, 10);
    const first = [
      { videoId: videoA, viewSessions: ['s1', 's2', 's3'] },
      { videoId: videoB, viewSessions: ['s1'] },
    ];
    const results = await Promise.all([
      registry.applyCounts('t', 2, 0n, first),
      registry.applyCounts('t', 2, 0n, first),
      registry.applyCounts('t', 2, 0n, first),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    // s3 viewed in the first chunk already: a session counts once, whichever chunks carry its events; the same
    // session id on another video is another view.
    const second = [{ videoId: videoA, viewSessions: ['s3', 's4', 's5'] }];
    expect(await registry.applyCounts('t', 2, 10n, second)).toBe(true);
    expect(await registry.applyCounts('t', 2, 10n, second)).toBe(false);
    expect(await viewsOf(videoA)).toBe(5);
    expect(await viewsOf(videoB)).toBe(1);
    expect(await viewsOf('00000000-0000-4000-8000-000000000000')).toBe(0);
  });

  it('counts one view per session of a video, and the same session id apart for another video', async () => {
    const [video, another] = [crypto.randomUUID(), crypto.randomUUID()];
    await registry.claim('t', 5, 0n, 9n, 10);
    await registry.claim('t', 5, 10n, 19n, 10);
    await registry.applyCounts('t', 5, 0n, [{ videoId: video, viewSessions: ['x'] }]);
    await registry.applyCounts('t', 5, 10n, [
      { videoId: video, viewSessions: ['x'] },
      { videoId: another, viewSessions: ['x'] },
    ]);
    expect([await viewsOf(video), await viewsOf(another)]).toEqual([1, 1]);
  });

  it('refuses to count a chunk that was never registered', async () => {
    await expect(registry.applyCounts('t', 9, 0n, [])).rejects.toThrow('is not registered');
  });

  it('prunes rows older than the cut-off only', async () => {
    await registry.claim('old', 0, 0n, 1n, 2);
    expect(await registry.prune(new Date(Date.now() - 3600_000))).toBe(0);
    expect(await registry.prune(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1);
    expect(await registry.lookup('old', 0, 0n)).toBeNull();
  });
});
