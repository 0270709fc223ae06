// The relay against the real MySQL and Kafka: delayed rows wait, leases keep relays apart without holding locks
// across the send, a dead relay's lease runs out, two relays keep every key's order, and sent rows are pruned.
import type { VideoTranscodeProgressV1 } from '@reelforge/contracts';
import { createDb, type Database, type Kysely, migrateToLatest, OutboxRepository } from '@reelforge/db';
import { createEventProducer, createKafka, type EventProducer, type RawMessage } from '@reelforge/kafka';
import { createTestDatabase, createTestTopics, stackEnv, uniqueName } from '@reelforge/testkit';
import { type Kafka, logLevel, Kafka as RawKafka } from 'kafkajs';
import { sql } from 'kysely';
import { pino } from 'pino';
import { type Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboxRelay, type OutboxRelayOptions } from './outbox.relay.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const TOPIC = 'video.transcode-progress';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;
let outbox: OutboxRepository;
let kafka: Kafka;
let brokers: string[];
let prefix: string;
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  const env = await stackEnv();
  brokers = env.KAFKA_BROKERS.split(',');
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 8 });
  await migrateToLatest(db);
  outbox = new OutboxRepository(db);
  kafka = createKafka({ brokers, clientId: 'outbox-int', logger, logLevel: 'error' });
  ({ prefix } = await createTestTopics([TOPIC], 3));
});

beforeEach(async () => {
  await sql`DELETE FROM outbox`.execute(db);
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  await db?.destroy();
  await testDb?.drop();
});

const relay = (
  options: Partial<OutboxRelayOptions> = {},
  deps: { producer?: EventProducer; registry?: Registry } = {},
) => {
  const r = new OutboxRelay({
    db,
    producer: deps.producer ?? createEventProducer(kafka, { topicPrefix: prefix }),
    logger,
    ...(deps.registry ? { registry: deps.registry } : {}),
    options: { pollMs: 20, ...options },
  });
  relays.push(r);
  return r;
};

// Each test uses its own video ids, so messages of earlier tests on the shared topic are told apart by key.
const videoId = (test: number, n: number) =>
  `${String(test).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const progress = (id: string, percent: number): VideoTranscodeProgressV1 => ({
  version: 1,
  videoId: id,
  attempt: 1,
  percent,
});

/** Adds the messages, in this order, in one transaction; returns their ids. */
const add = (messages: { id: string; percent: number; availableAt?: Date }[]) =>
  db.transaction().execute(async (tx) => {
    const ids: number[] = [];
    for (const m of messages) {
      ids.push(
        await outbox.add(tx, {
          topic: TOPIC,
          payload: progress(m.id, m.percent),
          ...(m.availableAt ? { availableAt: m.availableAt } : {}),
        }),
      );
    }
    return ids;
  });

const unsent = async () =>
  Number(
    (
      await db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('sentAt', 'is', null)
        .executeTakeFirstOrThrow()
    ).n,
  );

/**
 * Everything the topic holds for `keys` now, in partition order: read from the beginning up to each partition's
 * end as the brokers report it at the call, so a duplicate or a late copy cannot hide behind a timeout.
 */
async function readKeys(keys: Set<string>): Promise<{ key: string; percent: number }[]> {
  const raw = new RawKafka({ brokers, logLevel: logLevel.NOTHING });
  const admin = raw.admin();
  await admin.connect();
  const ends = new Map(
    (await admin.fetchTopicOffsets(prefix + TOPIC)).map((p) => [p.partition, BigInt(p.high)] as const),
  );
  await admin.disconnect();
  const next = new Map<number, bigint>([...ends.keys()].map((p) => [p, 0n]));
  const consumer = raw.consumer({ groupId: uniqueName('reader') });
  const messages: { key: string; percent: number }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: prefix + TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        next.set(partition, BigInt(message.offset) + 1n);
        if (BigInt(message.offset) >= (ends.get(partition) ?? 0n)) return;
        const key = message.key?.toString() ?? '';
        if (keys.has(key)) messages.push({ key, percent: JSON.parse(message.value?.toString() ?? '{}').percent });
      },
    });
    await vi.waitFor(() => expect([...ends].every(([p, end]) => (next.get(p) ?? 0n) >= end)).toBe(true), {
      timeout: 30_000,
      interval: 50,
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

const publishedBy = async (registry: Registry) => {
  const metric = registry.getSingleMetric('reelforge_outbox_published_total') as Counter | undefined;
  return (metric ? (await metric.get()).values : []).reduce((sum, v) => sum + v.value, 0);
};

describe('OutboxRelay', () => {
  it('does not publish a row before its available_at', async () => {
    const id = videoId(1, 1);
    await add([{ id, percent: 7, availableAt: new Date(Date.now() + 1500) }]);
    const r = relay();
    expect(await r.publishOnce()).toBe(0);
    await vi.waitFor(async () => expect(await r.publishOnce()).toBe(1), { timeout: 10_000, interval: 100 });
    const messages = await readKeys(new Set([id]));
    expect(messages).toEqual([{ key: id, percent: 7 }]);
  });

  it('holds no row lock while it sends, and keeps the leased rows from another relay', async () => {
    const [first] = await add([{ id: videoId(2, 1), percent: 1 }]);
    let release: () => void = () => {};
    const sending = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const inSend = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const real = createEventProducer(kafka, { topicPrefix: prefix });
    const slow: EventProducer = {
      ...real,
      sendRaw: async (topic: string, messages: RawMessage[]) => {
        entered();
        await sending;
        await real.sendRaw(topic, messages);
      },
    };
    const a = relay({}, { producer: slow });
    const published = a.publishOnce();
    await inSend;
    // NOWAIT fails at once on a row someone holds locked; the leased row is free to lock.
    const locked = await db
      .transaction()
      .execute(async (tx) => (await sql`SELECT id FROM outbox WHERE id = ${first} FOR UPDATE NOWAIT`.execute(tx)).rows);
    expect(locked).toHaveLength(1);
    // …and yet another relay does not take it: its lease is running.
    expect(await relay().publishOnce()).toBe(0);
    release();
    expect(await published).toBe(1);
    expect(await unsent()).toBe(0);
  });

  it('publishes the rows of a relay that died after leasing them once the lease has run out', async () => {
    const ids = await add([
      { id: videoId(3, 1), percent: 1 },
      { id: videoId(3, 1), percent: 2 },
    ]);
    // A relay leased them, then died before sending.
    expect((await outbox.lease(10, 1000)).map((m) => m.id)).toEqual(ids);
    const r = relay();
    expect(await r.publishOnce()).toBe(0);
    await vi.waitFor(async () => expect(await r.publishOnce()).toBe(2), { timeout: 10_000, interval: 100 });
    const messages = await readKeys(new Set([videoId(3, 1)]));
    expect(messages.map((m) => m.percent)).toEqual([1, 2]);
  });

  it('keeps each key in order on Kafka, and publishes every row once, with two relays running at once', async () => {
    const keys = Array.from({ length: 12 }, (_, k) => videoId(4, k));
    const perKey = 15;
    // Several transactions, keys interleaved, so a key's rows are spread over ids and batches.
    for (let percent = 0; percent < perKey; percent += 5) {
      await add(Array.from({ length: 5 }, (_, i) => keys.map((id) => ({ id, percent: percent + i }))).flat());
    }
    const [ra, rb] = [new Registry(), new Registry()];
    // Small batches, so the two take turns over the keys and hold each other's rows back.
    const a = relay({ batchSize: 7 }, { registry: ra });
    const b = relay({ batchSize: 7 }, { registry: rb });
    a.start();
    b.start();
    await vi.waitFor(async () => expect(await unsent()).toBe(0), { timeout: 60_000, interval: 100 });
    await Promise.all([a.stop(), b.stop()]);
    const [sentA, sentB] = [await publishedBy(ra), await publishedBy(rb)];
    expect(sentA + sentB).toBe(keys.length * perKey);
    expect(sentA).toBeGreaterThan(0);
    expect(sentB).toBeGreaterThan(0);

    const messages = await readKeys(new Set(keys));
    const inOrder = Array.from({ length: perKey }, (_, i) => i);
    for (const key of keys) {
      expect(messages.filter((m) => m.key === key).map((m) => m.percent)).toEqual(inOrder);
    }
  });

  it('prunes sent rows past the retention, a small batch at a time, and nothing else', async () => {
    const ids = await add(Array.from({ length: 7 }, (_, i) => ({ id: videoId(5, i), percent: 1 })));
    const now = Date.now();
    const day = 24 * 3600 * 1000;
    const sentAt = [8, 8, 8, 8, 8, 6, null].map((days) => (days === null ? null : new Date(now - days * day)));
    for (const [i, id] of ids.entries()) {
      await db
        .updateTable('outbox')
        .set({ sentAt: sentAt[i] ?? null })
        .where('id', '=', id)
        .execute();
    }
    const registry = new Registry();
    const r = relay({ retentionMs: 7 * day, pruneBatchSize: 2 }, { registry });
    expect(await r.pruneOnce(new Date(now))).toBe(5);
    expect(await r.pruneOnce(new Date(now))).toBe(0);
    const left = await db.selectFrom('outbox').select('id').orderBy('id').execute();
    expect(left.map((row) => row.id)).toEqual(ids.slice(5));
    const pruned = registry.getSingleMetric('reelforge_outbox_pruned_total') as Counter;
    expect((await pruned.get()).values[0]?.value).toBe(5);
  });
});
