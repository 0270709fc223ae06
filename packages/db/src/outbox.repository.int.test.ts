import { AppError, type VideoTranscodeProgressV1 } from '@reelforge/contracts';
import { createTestDatabase } from '@reelforge/testkit';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { createDb } from './db.client.js';
import { migrateToLatest } from './migrator.js';
import { OutboxRepository } from './outbox.repository.js';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;
let outbox: OutboxRepository;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 6 });
  await migrateToLatest(db);
  outbox = new OutboxRepository(db);
});

beforeEach(async () => {
  await sql`DELETE FROM outbox`.execute(db);
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

const videoIds = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'] as const;
const [v1, v2] = videoIds;

const progress = (videoId: string, percent: number): VideoTranscodeProgressV1 => ({
  version: 1,
  videoId,
  attempt: 1,
  percent,
});

/** Adds messages in one transaction; returns their ids. */
const add = (...messages: { videoId: string; percent: number; availableAt?: Date; key?: string }[]) =>
  db.transaction().execute(async (tx) => {
    const ids: number[] = [];
    for (const m of messages) {
      ids.push(
        await outbox.add(tx, {
          topic: 'video.transcode-progress',
          payload: progress(m.videoId, m.percent),
          ...(m.key ? { key: m.key } : {}),
          ...(m.availableAt ? { availableAt: m.availableAt } : {}),
        }),
      );
    }
    return ids;
  });

const claimAll = () => db.transaction().execute((tx) => outbox.claimBatch(tx, 100));

describe('OutboxRepository', () => {
  it('stores the validated payload as JSON text, keyed by the catalog, with headers', async () => {
    const id = await db.transaction().execute((tx) =>
      outbox.add(tx, {
        topic: 'video.transcode-failed',
        payload: { version: 1, videoId: v1, attempt: 2, code: 'TASK_LOST', message: 'gone', retryable: true },
        headers: { traceparent: '00-abc-def-01' },
      }),
    );
    const [message] = await claimAll();
    expect(message).toMatchObject({
      id,
      topic: 'video.transcode-failed',
      key: v1,
      headers: { traceparent: '00-abc-def-01' },
      publishAttempts: 0,
    });
    expect(JSON.parse(message?.payload ?? '')).toEqual({
      version: 1,
      videoId: v1,
      attempt: 2,
      code: 'TASK_LOST',
      message: 'gone',
      retryable: true,
    });
  });

  it('refuses a payload that does not match its topic’s schema, and writes nothing', async () => {
    const err = await db
      .transaction()
      .execute((tx) =>
        outbox.add(tx, { topic: 'video.transcode-progress', payload: { ...progress(v1, 1), percent: 101 } }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toBe('outbox message for video.transcode-progress does not match its schema');
    expect(await claimAll()).toEqual([]);
  });

  it('publishes nothing of a transaction that rolled back', async () => {
    await db
      .transaction()
      .execute(async (tx) => {
        await outbox.add(tx, { topic: 'video.transcode-progress', payload: progress(v1, 5) });
        throw new Error('state change failed');
      })
      .catch(() => undefined);
    expect(await claimAll()).toEqual([]);
  });

  it('gives concurrent relays disjoint batches (SKIP LOCKED)', async () => {
    const keys = Array.from({ length: 6 }, (_, i) => `key-${i}`);
    const ids = await add(...keys.map((key, i) => ({ videoId: v1, percent: i, key })));
    const first = await db.startTransaction().execute();
    const second = await db.startTransaction().execute();
    try {
      const [a, b] = await Promise.all([outbox.claimBatch(first, 4), outbox.claimBatch(second, 4)]);
      const claimed = [...(a ?? []), ...(b ?? [])].map((m) => m.id);
      expect(claimed.length).toBe(6);
      expect(new Set(claimed)).toEqual(new Set(ids));
      expect(a.map((m) => m.id)).toEqual([...a.map((m) => m.id)].sort((x, y) => x - y));
    } finally {
      await first.rollback().execute();
      await second.rollback().execute();
    }
  });

  it('holds back a key’s later messages while an earlier one is claimed elsewhere', async () => {
    const [a1, a2, b1] = await add(
      { videoId: v1, percent: 1 },
      { videoId: v1, percent: 2 },
      { videoId: v2, percent: 1 },
    );
    const first = await db.startTransaction().execute();
    const second = await db.startTransaction().execute();
    try {
      expect((await outbox.claimBatch(first, 1)).map((m) => m.id)).toEqual([a1]);
      // a2 is free to lock, but publishing it now would overtake a1.
      expect((await outbox.claimBatch(second, 10)).map((m) => m.id)).toEqual([b1]);
      await outbox.markSent([a1 as number], first);
      await first.commit().execute();
      await second.rollback().execute();
    } catch (err) {
      await first.rollback().execute();
      await second.rollback().execute();
      throw err;
    }
    expect((await claimAll()).map((m) => m.id)).toEqual([a2, b1]);
  });

  it('delays a message until its time, and its key’s later messages with it', async () => {
    const soon = new Date(Date.now() + 60_000);
    const [delayed, after, other] = await add(
      { videoId: v1, percent: 1, availableAt: soon },
      { videoId: v1, percent: 2 },
      { videoId: v2, percent: 1 },
    );
    expect((await claimAll()).map((m) => m.id)).toEqual([other]);
    const later = await db.transaction().execute((tx) => outbox.claimBatch(tx, 100, new Date(soon.getTime() + 1)));
    expect(later.map((m) => m.id)).toEqual([delayed, after, other]);
  });

  it('retries a failed publish later, and sends each message once', async () => {
    const [id] = await add({ videoId: v1, percent: 1 });
    const retryAt = new Date(Date.now() + 30_000);
    expect(await outbox.markFailed(id as number, `broker said no ${'!'.repeat(3000)}`, retryAt)).toBe(true);
    expect(await claimAll()).toEqual([]);
    const [retried] = await db.transaction().execute((tx) => outbox.claimBatch(tx, 10, retryAt));
    expect(retried).toMatchObject({ id, publishAttempts: 1, availableAt: retryAt });
    const row = await db
      .selectFrom('outbox')
      .select('lastError')
      .where('id', '=', id as number)
      .executeTakeFirst();
    expect(row?.lastError).toHaveLength(2048);

    expect(await outbox.markSent([id as number])).toBe(1);
    expect(await outbox.markSent([id as number])).toBe(0);
    expect(await db.transaction().execute((tx) => outbox.claimBatch(tx, 10, retryAt))).toEqual([]);
  });

  it('lets writers commit while a relay holds its batch', async () => {
    await add({ videoId: v1, percent: 1 });
    const relay = await db.startTransaction().execute();
    try {
      expect(await outbox.claimBatch(relay, 10)).toHaveLength(1);
      // Under REPEATABLE READ the claim's gap lock would make this wait for the relay (50 s by default).
      const write = add({ videoId: v2, percent: 1 }).then(() => 'committed');
      const timeout = new Promise((resolve) => setTimeout(resolve, 10_000, 'blocked'));
      expect(await Promise.race([write, timeout])).toBe('committed');
    } finally {
      await relay.rollback().execute();
    }
  });

  it('measures how long the oldest publishable message has waited', async () => {
    const now = new Date();
    expect(await outbox.oldestUnsentAgeSeconds(now)).toBe(0);
    const [old] = await add({ videoId: v1, percent: 1 });
    await add({ videoId: v2, percent: 1, availableAt: new Date(now.getTime() + 3_600_000) });
    await db
      .updateTable('outbox')
      .set({ availableAt: new Date(now.getTime() - 42_500) })
      .where('id', '=', old as number)
      .execute();
    expect(await outbox.oldestUnsentAgeSeconds(now)).toBe(42.5);
    await outbox.markSent([old as number]);
    expect(await outbox.oldestUnsentAgeSeconds(now)).toBe(0);
  });

  it('deletes sent messages older than a cut-off, a bounded number at a time', async () => {
    const ids = await add({ videoId: v1, percent: 1 }, { videoId: v1, percent: 2 }, { videoId: v2, percent: 1 });
    await outbox.markSent(ids.slice(0, 2));
    const cutoff = new Date(Date.now() + 1000);
    expect(await outbox.deleteSentBefore(cutoff, 1)).toBe(1);
    expect(await outbox.deleteSentBefore(cutoff)).toBe(1);
    expect((await claimAll()).map((m) => m.id)).toEqual([ids[2]]);
  });

  it('prunes along the index: the DELETE reads outbox_unsent_idx by its sent_at range', async () => {
    const plan = await sql<Record<string, unknown>>`
      EXPLAIN DELETE FROM outbox WHERE sent_at < ${new Date()} ORDER BY sent_at LIMIT 500`.execute(db);
    expect(plan.rows).toHaveLength(1);
    expect(plan.rows[0]).toMatchObject({ key: 'outbox_unsent_idx', type: 'range' });
  });
});
