import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@reelforge/testkit';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { createDb, pingDb } from './db.client.js';
import {
  migrateDown,
  migrateToLatest,
  migrateToNone,
  migrationStatus,
  migrations,
  runMigrateCommand,
} from './migrator.js';

const appTables = [
  'api_keys',
  'lake_chunks',
  'launch_capacity',
  'outbox',
  'recommendations',
  'renditions',
  'transcode_jobs',
  'transcode_parts',
  'upload_leases',
  'upload_usage',
  'users',
  'videos',
  'video_engagement',
  'video_likes',
  'video_views',
  'webhook_attempts',
  'webhook_deliveries',
  'webhook_endpoints',
];
const before0015 = appTables.filter((t) => t !== 'transcode_parts');
const before0014 = before0015.filter((t) => t !== 'api_keys' && t !== 'recommendations');
const before0013 = before0014.filter((t) => !t.startsWith('webhook_'));
const before0012 = before0013.filter((t) => t !== 'video_likes');

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 2 });
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

async function tables(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ${testDb.name} ORDER BY table_name
  `.execute(db);
  return rows.map((r) => r.name).filter((n) => !n.startsWith('kysely_'));
}

async function jobColumns(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT column_name AS name FROM information_schema.columns
    WHERE table_schema = ${testDb.name} AND table_name = 'transcode_jobs'
  `.execute(db);
  return rows.map((r) => r.name);
}

async function videoIndexes(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT DISTINCT index_name AS name FROM information_schema.statistics
    WHERE table_schema = ${testDb.name} AND table_name = 'videos'
  `.execute(db);
  return rows.map((r) => r.name);
}

describe('migrations', () => {
  it('go up, down one, down to none and up again', async () => {
    const up = await migrateToLatest(db);
    expect(up.map((s) => `${s.direction} ${s.name} ${s.status}`)).toEqual(
      Object.keys(migrations).map((name) => `Up ${name} Success`),
    );
    expect(await tables()).toEqual(appTables);
    expect(await migrateToLatest(db)).toEqual([]);

    expect(await jobColumns()).toEqual(expect.arrayContaining(['chunk_count', 'task_seconds', 'task_cpu']));
    expect(await migrateDown(db)).toEqual([{ name: '0015_chunked_jobs', direction: 'Down', status: 'Success' }]);
    expect(await tables()).toEqual(before0015);
    expect(await jobColumns()).not.toContain('chunk_count');
    expect(await migrateDown(db)).toEqual([{ name: '0014_analytics', direction: 'Down', status: 'Success' }]);
    expect(await tables()).toEqual(before0014);
    expect(await migrateDown(db)).toEqual([{ name: '0013_webhooks', direction: 'Down', status: 'Success' }]);
    expect(await tables()).toEqual(before0013);
    const down = await migrateDown(db);
    expect(down).toEqual([{ name: '0012_viewer', direction: 'Down', status: 'Success' }]);
    expect(await tables()).toEqual(before0012);
    expect(await videoIndexes()).not.toContain('videos_feed_idx');
    expect(await jobColumns()).toContain('job_token');
    expect(await migrateDown(db)).toEqual([{ name: '0011_job_token', direction: 'Down', status: 'Success' }]);
    expect(await jobColumns()).not.toContain('job_token');
    await migrateToLatest(db);
    expect(await tables()).toEqual(appTables);
    expect(await videoIndexes()).toEqual(expect.arrayContaining(['videos_feed_idx', 'videos_trending_idx']));
    expect(await jobColumns()).toEqual(expect.arrayContaining(['launch_after', 'capacity_waits', 'job_token']));

    const none = await migrateToNone(db);
    expect(none.map((s) => s.name)).toEqual([
      '0015_chunked_jobs',
      '0014_analytics',
      '0013_webhooks',
      '0012_viewer',
      '0011_job_token',
      '0010_video_views',
      '0009_launch_capacity',
      '0008_upload_quotas',
      '0007_upload_expiry_index',
      '0006_engagement',
      '0005_outbox',
      '0004_transcode_jobs',
      '0003_renditions',
      '0002_videos',
      '0001_users',
    ]);
    expect(await tables()).toEqual([]);

    await migrateToLatest(db);
    expect(await tables()).toEqual(appTables);
    const status = await migrationStatus(db);
    expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
  });

  it('creates the keys the repositories rely on', async () => {
    const { rows } = await sql<{ tableName: string; indexName: string; columns: string }>`
      SELECT table_name AS table_name, index_name AS index_name,
             GROUP_CONCAT(column_name ORDER BY seq_in_index) AS columns
      FROM information_schema.statistics
      WHERE table_schema = ${testDb.name} AND non_unique = 0 AND table_name IN ('users', 'renditions', 'transcode_jobs')
      GROUP BY table_name, index_name ORDER BY table_name, index_name
    `.execute(db);
    expect(rows.map((r) => `${r.tableName}.${r.indexName}(${r.columns})`)).toEqual([
      'renditions.PRIMARY(video_id,name)',
      'transcode_jobs.PRIMARY(id)',
      'transcode_jobs.transcode_jobs_video_attempt_uq(video_id,attempt)',
      'users.PRIMARY(id)',
      'users.users_email_uq(email)',
    ]);
  });

  it('gives jobs that exist already a token of their own', async () => {
    await migrateDown(db); // 0015_chunked_jobs
    await migrateDown(db); // 0014_analytics
    await migrateDown(db); // 0013_webhooks
    await migrateDown(db); // 0012_viewer
    await migrateDown(db); // 0011_job_token
    const userId = randomUUID();
    await sql`INSERT INTO users (id, email, password_hash) VALUES (${userId}, ${`${userId}@example.com`}, 'x')`.execute(
      db,
    );
    const videoIds = [randomUUID(), randomUUID()];
    for (const videoId of videoIds) {
      await sql`INSERT INTO videos (id, owner_id, title, status) VALUES (${videoId}, ${userId}, 't', 'processing')`.execute(
        db,
      );
      await sql`
        INSERT INTO transcode_jobs (id, video_id, attempt, status, launcher, deadline_at)
        VALUES (${randomUUID()}, ${videoId}, 1, 'running', 'local', NOW(3))
      `.execute(db);
    }
    await migrateToLatest(db);
    const { rows } = await sql<{ jobToken: string }>`
      SELECT job_token AS job_token FROM transcode_jobs WHERE video_id IN (${sql.join(videoIds)})
    `.execute(db);
    expect(rows).toHaveLength(2);
    for (const { jobToken } of rows) expect(jobToken).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.jobToken).not.toBe(rows[1]?.jobToken);
  });

  it('reports through the CLI command as lines for the operator', async () => {
    expect(await runMigrateCommand(db, 'up')).toEqual(['schema is up to date']);
    expect(await runMigrateCommand(db, 'down')).toEqual(['reverted 0015_chunked_jobs']);
    const status = await runMigrateCommand(db, 'status');
    expect(status.at(-1)).toBe('pending  0015_chunked_jobs');
    expect(status[0]).toMatch(/^applied {2}0001_users {2}\d{4}-\d\d-\d\dT/);
    expect(await runMigrateCommand(db, 'up')).toEqual(['applied  0015_chunked_jobs']);
  });

  it('fails with the migration name and the server’s reason', async () => {
    // A table in the way of 0001: its CREATE TABLE fails.
    await migrateToNone(db);
    await sql`CREATE TABLE users (x INT)`.execute(db);
    await expect(migrateToLatest(db)).rejects.toThrow(/^migration 0001_users \(up\) failed: .*'users' already exists/);
    await sql`DROP TABLE users`.execute(db);
    await migrateToLatest(db);
  });
});

describe('sessions', () => {
  it('answer pings and run in UTC with millisecond Dates', async () => {
    await pingDb(db, 10_000);
    const { rows } = await sql<{ tz: string; echoed: Date }>`
      SELECT @@session.time_zone AS tz, CAST(${new Date('2025-06-30T23:59:58.789Z')} AS DATETIME(3)) AS echoed
    `.execute(db);
    expect(rows[0]?.tz).toBe('+00:00');
    expect(rows[0]?.echoed).toEqual(new Date('2025-06-30T23:59:58.789Z'));
  });

  it('reject a ping to a database that is not there', async () => {
    const url = new URL(testDb.url);
    url.pathname = `/${testDb.name}_missing`;
    const missing = createDb({ url: url.toString(), poolSize: 1 });
    await expect(pingDb(missing, 10_000)).rejects.toThrow(/Unknown database/);
    await missing.destroy();
  });
});
