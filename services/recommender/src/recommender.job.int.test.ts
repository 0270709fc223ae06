// One build against the real object store and MySQL: Parquet objects under the lake's day partitions become each
// user's list in `recommendations`, only visible videos in it, and a user the build no longer knows loses theirs.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createDb, type Database, type Kysely, migrateToLatest, RecommendationRepository } from '@reelforge/db';
import { putFile } from '@reelforge/storage';
import { createTestBuckets, createTestDatabase } from '@reelforge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL } from './co-engagement.model.js';
import { buildRecommendations } from './recommender.job.js';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;
let buckets: Awaited<ReturnType<typeof createTestBuckets<'lake'>>>;
let duckdb: DuckDBInstance;
let dir: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 2 });
  await migrateToLatest(db);
  buckets = await createTestBuckets('lake');
  duckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
  dir = await mkdtemp(join(tmpdir(), 'recommender-int-'));
});

afterAll(async () => {
  duckdb?.closeSync();
  buckets?.s3.destroy();
  await db?.destroy();
  await testDb?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const NOW = new Date('2025-03-25T12:00:00.000Z');

/** One lake object of players' events, as events-lake writes them (the columns the model reads, and more). */
async function lakeObject(key: string, rows: [string | null, string, string, number, string][]) {
  const c = await duckdb.connect();
  const path = join(dir, `${randomUUID()}.parquet`);
  try {
    const values = rows
      .map(
        ([u, i, t, p, at]) =>
          `(1, '${randomUUID()}', '${t}', TIMESTAMPTZ '${at}', ${u === null ? 'NULL' : `'${u}'`}, 'd', 's', '${i}', ${p})`,
      )
      .join(', ');
    await c.run(`COPY (SELECT * FROM (VALUES ${values}) t(schema_version, event_id, event_type, "timestamp", user_id,
                 device_id, session_id, content_id, position_sec)) TO '${path}' (FORMAT parquet)`);
  } finally {
    c.closeSync();
  }
  await putFile(buckets.s3, { bucket: buckets.lake, key }, path);
}

async function user(email: string) {
  const id = randomUUID();
  await db
    .insertInto('users')
    .values({ id, email, passwordHash: 'x', displayName: email, createdAt: new Date() })
    .execute();
  return id;
}

async function video(ownerId: string, visibility: 'public' | 'private' = 'public', status = 'ready' as const) {
  const id = randomUUID();
  await db
    .insertInto('videos')
    .values({ id, ownerId, title: id, visibility, status, attempt: 1, progressPct: 0 } as never)
    .execute();
  return id;
}

const lists = () =>
  db
    .selectFrom('recommendations')
    .select(['userId', 'position', 'videoId'])
    .orderBy('userId')
    .orderBy('position')
    .execute();

describe('buildRecommendations', () => {
  it('reads the lookback days of the lake and replaces every user’s list with visible videos only', async () => {
    const [owner, a, b, c, gone] = [
      await user('o@x'),
      await user('a@x'),
      await user('b@x'),
      await user('c@x'),
      await user('g@x'),
    ];
    const [v0, v1, v2, hidden] = [
      await video(owner),
      await video(owner),
      await video(owner),
      await video(owner, 'private'),
    ];
    // A list from an earlier build for a user with no events now: removed by this build.
    await new RecommendationRepository(db).replace([{ userId: gone, items: [{ videoId: v0, score: 1 }] }], new Date(0));
    await lakeObject('events/dt=2025-03-25/hour=10/0-0-5.parquet', [
      [a, v0, 'like', 0, '2025-03-25 10:00:00+00'],
      [b, v0, 'like', 0, '2025-03-25 10:01:00+00'],
      [b, v1, 'like', 0, '2025-03-25 10:02:00+00'],
      [b, hidden, 'like', 0, '2025-03-25 10:03:00+00'],
      [c, v0, 'like', 0, '2025-03-25 10:04:00+00'],
      [c, v1, 'like', 0, '2025-03-25 10:05:00+00'],
    ]);
    await lakeObject('events/dt=2025-03-24/hour=23/1-0-0.parquet', [
      [b, v2, 'view_complete', 60, '2025-03-24 23:00:00+00'],
    ]);
    // Older than the lookback (2 days): not read.
    await lakeObject('events/dt=2025-03-20/hour=08/0-0-0.parquet', [[a, v2, 'like', 0, '2025-03-20 08:00:00+00']]);
    // Another prefix (the analytics design's media events): not read either.
    await lakeObject('media-events/dt=2025-03-25/hour=10/0-0-0.parquet', [
      [a, v1, 'like', 0, '2025-03-25 10:00:00+00'],
    ]);

    const result = await buildRecommendations({
      duckdb,
      s3: buckets.s3,
      db,
      recommendations: new RecommendationRepository(db),
      bucket: buckets.lake,
      prefix: 'events/',
      lookbackDays: 2,
      tmpDir: dir,
      model: DEFAULT_MODEL,
      now: () => NOW,
    });
    expect(result).toEqual({ files: 2, events: 7, users: 2, builtAt: NOW });
    // a liked v0, as b and c did: v1 (liked with v0 by both) before v2 (by b alone). c: v2 (via v0 and v1). b liked or
    // finished everything visible: no list. The earlier list of `gone` is removed.
    expect(await lists()).toEqual(
      [
        { userId: a, position: 0, videoId: v1 },
        { userId: a, position: 1, videoId: v2 },
        { userId: c, position: 0, videoId: v2 },
      ].sort((x, y) => x.userId.localeCompare(y.userId) || x.position - y.position),
    );
    expect(JSON.stringify(await lists())).not.toContain(hidden);
  });
});
