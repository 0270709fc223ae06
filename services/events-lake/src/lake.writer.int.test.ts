// The lake writer against the real Kafka, S3 (moto) and MariaDB: what was sent is in the lake exactly once, read
// back with DuckDB, partitioned by event hour; and a writer killed between writing and committing leaves, after a
// restart, each event once in the lake and once in the counts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createDb, type Database, type Kysely, migrateToLatest, VideoRepository } from '@reelforge/db';
import { createKafka } from '@reelforge/kafka';
import { createS3Client, downloadToFile, listKeys } from '@reelforge/storage';
import { createTestBuckets, createTestDatabase, createTestTopics, stackEnv, uniqueName } from '@reelforge/testkit';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChunkRegistry } from './chunk.registry.js';
import { type LakeWriter, type LakeWriterOptions, startLakeWriter } from './lake.writer.js';
import { ParquetChunkWriter } from './parquet.writer.js';

const logger = pino({ level: 'silent' });
const videos = ['0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11', '7c0e4a52-1d3f-4c53-9a3e-8f0f3c1f2a22', randomVideo()];

let kafka: Kafka;
let producer: Producer;
let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;

/** The video's views as the read API shows them (0 for a video nobody watched). */
const countsOf = async (id: string) => ({ views: (await new VideoRepository(db).viewsOf([id])).get(id) ?? 0 });
let duckdb: DuckDBInstance;
let dir: string;
let bucket: string;
let s3: ReturnType<typeof createS3Client>;
const running: LakeWriter[] = [];

beforeAll(async () => {
  const env = await stackEnv();
  kafka = createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'lake-int', logger, logLevel: 'error' });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 4 });
  await migrateToLatest(db);
  ({ lake: bucket } = await createTestBuckets('lake'));
  s3 = createS3Client({ region: env.AWS_REGION, endpoint: env.S3_ENDPOINT, forcePathStyle: true });
  duckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
  dir = await mkdtemp(join(tmpdir(), 'lake-int-'));
});

afterAll(async () => {
  await Promise.allSettled(running.map((w) => w.stop()));
  await producer?.disconnect();
  await db?.destroy();
  await testDb?.drop();
  duckdb?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

function randomVideo(): string {
  return crypto.randomUUID();
}

interface SentEvent {
  event_id: string;
  event_type: string;
  timestamp: string;
  content_id: string;
  position_sec: number;
  [k: string]: unknown;
}

let seq = 0;
function makeEvent(over: Partial<SentEvent> = {}): SentEvent {
  seq++;
  return {
    schema_version: 1,
    event_id: `ev-${seq}-${uniqueName('e')}`,
    event_type: ['play', 'pause', 'view_complete', 'like'][seq % 4] as string,
    // Spread over two hours and two days, so the lake gets several partitions.
    timestamp: ['2025-03-01T10:05:00.000Z', '2025-03-01T11:30:00.123Z', '2025-03-02T00:00:01.000Z'][seq % 3] as string,
    user_id: seq % 5 === 0 ? null : `user-${seq % 7}`,
    device_id: `device-${seq % 11}`,
    session_id: `session-${seq % 13}`,
    content_id: videos[seq % videos.length] as string,
    position_sec: (seq % 600) + 0.5,
    client: { app: 'web', version: '4.2.0' },
    ...(seq % 9 === 0 ? { experiment: { arm: 'B' } } : {}),
    ...over,
  };
}

async function send(topic: string, events: SentEvent[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: events.map((event) => ({
      key: event.content_id,
      value: JSON.stringify({
        version: 1,
        received_at: '2025-03-02T08:00:00.000Z',
        ip: '192.0.2.1',
        user_agent: 'IntPlayer',
        event,
      }),
    })),
  });
}

async function startWriter(topic: string, groupId: string, keyPrefix: string, over: Partial<LakeWriterOptions> = {}) {
  const writer = await startLakeWriter({
    kafka,
    groupId,
    topic,
    s3,
    bucket,
    keyPrefix,
    mediaKeyPrefix: `${keyPrefix}media/`,
    registry: new ChunkRegistry(db),
    parquet: new ParquetChunkWriter(duckdb, dir),
    bounds: { maxBytes: 1024 * 1024, maxEvents: 40, maxSpanMs: 60_000 },
    idleMs: 400,
    maxBufferedBytes: 8 * 1024 * 1024,
    flushConcurrency: 2,
    logger,
    ...over,
  });
  running.push(writer);
  await writer.ready();
  return writer;
}

/** Waits until the group has committed every partition up to its high watermark. */
async function waitForCommitted(topic: string, groupId: string, timeoutMs = 40_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const behind = ends.filter((e) => {
        const c = committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
        return BigInt(c === '-1' ? 0 : c) < BigInt(e.high);
      });
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`partitions still behind: ${JSON.stringify(behind)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

type Row = Record<string, unknown>;

/**
 * Every row of every lake object under the prefix, read back with DuckDB, with the key it came from; and the same
 * objects read by hyparquet, a Parquet reader that shares no code with the writer.
 */
async function readLake(keyPrefix: string): Promise<{ keys: string[]; rows: Row[]; independent: Row[] }> {
  const keys = (await listKeys(s3, bucket, keyPrefix)).sort();
  const rows: Row[] = [];
  const independent: Row[] = [];
  const c = await duckdb.connect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    for (const key of keys) {
      const path = join(dir, key.replaceAll('/', '_'));
      await downloadToFile(s3, { bucket, key }, path);
      const r = await c.runAndReadAll(
        `SELECT *, strftime("timestamp", '%Y-%m-%d') AS dt_, hour("timestamp") AS hour_ FROM read_parquet('${path}')`,
      );
      for (const row of r.getRowObjectsJS()) rows.push({ ...row, key });
      const bytes = await readFile(path);
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      independent.push(...(await parquetReadObjects({ file, compressors })));
      await rm(path);
    }
  } finally {
    c.closeSync();
  }
  return { keys, rows, independent };
}

// A view is a playback session that sent a view_complete: the sessions repeat (13 of them), so fewer than events.
// Like events are recorded, never counted: likes are users' rows (video_likes), not the lake's.
const expectedCounts = (events: SentEvent[], video: string) => ({
  views: new Set(
    events.filter((e) => e.content_id === video && e.event_type === 'view_complete').map((e) => e.session_id),
  ).size,
});

describe('lake writer', () => {
  it('writes every event once, as sent, into hour-partitioned Parquet, and counts views (not likes)', async () => {
    const { prefix } = await createTestTopics(['engagement.events'], 2);
    const topic = `${prefix}engagement.events`;
    const groupId = uniqueName('lake');
    const keyPrefix = `${uniqueName('p')}/events/`;
    const events = Array.from({ length: 150 }, () => makeEvent());
    // A player's retry: the same event_id again, right after; the lake keeps the first.
    const retried = events[3] as SentEvent;
    await send(topic, events.slice(0, 100));
    await send(topic, [{ ...retried }, ...events.slice(100)]);

    const before = await Promise.all(videos.map((v) => countsOf(v)));
    await startWriter(topic, groupId, keyPrefix);
    await waitForCommitted(topic, groupId);

    const { keys, rows, independent } = await readLake(keyPrefix);
    for (const row of rows) {
      const hour = String(row.hour_).padStart(2, '0');
      expect(row.key).toMatch(
        new RegExp(`^${keyPrefix}dt=${row.dt_}/hour=${hour}/${row.kafka_partition}-\\d+-\\d+\\.parquet$`),
      );
    }
    expect(keys.some((k) => k.includes('/dt=2025-03-02/hour=00/'))).toBe(true);
    expect(rows).toHaveLength(events.length);

    const byId = new Map(rows.map((r) => [r.event_id as string, r]));
    expect(byId.size).toBe(events.length);
    for (const sent of events) {
      const row = byId.get(sent.event_id);
      if (!row) throw new Error(`${sent.event_id} is not in the lake`);
      const { schema_version, event_id, event_type, timestamp, user_id, device_id, session_id, content_id } = sent;
      const { position_sec, client, ...extra } = sent;
      for (const k of ['schema_version', 'event_id', 'event_type', 'timestamp', 'user_id', 'device_id'])
        delete extra[k];
      for (const k of ['session_id', 'content_id']) delete extra[k];
      expect({
        schema_version: row.schema_version,
        event_id: row.event_id,
        event_type: row.event_type,
        timestamp: (row.timestamp as Date).toISOString(),
        user_id: row.user_id,
        device_id: row.device_id,
        session_id: row.session_id,
        content_id: row.content_id,
        position_sec: row.position_sec,
        client: { app: row.client_app, version: row.client_version },
        extra: row.extra === null ? {} : JSON.parse(row.extra as string),
        server: [(row.received_at as Date).toISOString(), row.ip, row.user_agent],
      }).toEqual({
        schema_version,
        event_id,
        event_type,
        timestamp,
        user_id,
        device_id,
        session_id,
        content_id,
        position_sec,
        client,
        extra,
        server: ['2025-03-02T08:00:00.000Z', '192.0.2.1', 'IntPlayer'],
      });
    }

    // A standard reader that is not the writer's library sees the same rows.
    const seen = (r: Row) => ({
      event_id: r.event_id,
      event_type: r.event_type,
      timestamp: (r.timestamp as Date).toISOString(),
      position_sec: r.position_sec,
      extra: r.extra,
      received_at: (r.received_at as Date).toISOString(),
      kafka: [r.kafka_partition, BigInt(r.kafka_offset as bigint)],
    });
    const byEventId = (a: Row, b: Row) => String(a.event_id).localeCompare(String(b.event_id));
    expect(independent.sort(byEventId).map(seen)).toEqual(rows.sort(byEventId).map(seen));

    for (const [i, video] of videos.entries()) {
      const now = await countsOf(video);
      const want = expectedCounts(events, video);
      expect({ views: now.views - (before[i]?.views ?? 0) }).toEqual(want);
    }
  });

  it('closes chunks early when its buffer is full, still writing each event once', async () => {
    const { prefix } = await createTestTopics(['engagement.events'], 2);
    const topic = `${prefix}engagement.events`;
    const groupId = uniqueName('lake');
    const keyPrefix = `${uniqueName('p')}/events/`;
    const events = Array.from({ length: 120 }, () => makeEvent());
    await send(topic, events);
    // Neither a bound nor idleness would close a chunk in this test; only the 10 kB buffer limit does.
    await startWriter(topic, groupId, keyPrefix, {
      bounds: { maxBytes: 1024 * 1024, maxEvents: 10_000, maxSpanMs: 3_600_000 },
      idleMs: 3_600_000,
      maxBufferedBytes: 10_000,
    });
    await waitForCommitted(topic, groupId);
    const { rows } = await readLake(keyPrefix);
    expect(rows.map((r) => r.event_id as string).sort()).toEqual(events.map((e) => e.event_id).sort());
  });

  it('after a kill between writing and committing, a restart leaves each event once in the lake and the counts', async () => {
    const { prefix } = await createTestTopics(['engagement.events'], 2);
    const topic = `${prefix}engagement.events`;
    const groupId = uniqueName('lake');
    const keyPrefix = `${uniqueName('p')}/events/`;
    const pair = [randomVideo(), randomVideo()];
    const batch = (n: number) => Array.from({ length: n }, (_, i) => makeEvent({ content_id: pair[i % 2] as string }));
    // No bound is reached: chunks close because the partitions go idle, a boundary a replay could not re-derive
    // from the records alone; the registry carries it.
    const bounds = { maxBytes: 1024 * 1024, maxEvents: 1000, maxSpanMs: 60_000 };

    const first = batch(30);
    await send(topic, first);
    let armed = false;
    let killed: Promise<void> | undefined;
    let keysAtKill: string[] = [];
    const doomed = await startWriter(topic, groupId, keyPrefix, {
      bounds,
      beforeCommit: async () => {
        if (killed) throw new Error('this writer is dead');
        if (!armed) return;
        keysAtKill = await listKeys(s3, bucket, keyPrefix);
        killed = doomed.stop();
        throw new Error('killed between writing and committing');
      },
    });
    await waitForCommitted(topic, groupId);
    const keysBefore = await listKeys(s3, bucket, keyPrefix);

    // The second chunks hold players' retries of first-chunk events: the de-dup window must drop them, in the run
    // that is killed and again in the replay, which has to rebuild the window from Kafka.
    armed = true;
    const retries = [first[0], first[1], first[2]].map((e) => ({ ...(e as SentEvent) }));
    const second = batch(20);
    await send(topic, [...second, ...retries]);
    await vi.waitFor(() => expect(killed).toBeDefined(), { timeout: 30_000, interval: 50 });
    await killed;
    const written = [...first, ...second];
    // The killed chunk's objects were durable when it died.
    expect(keysAtKill.length).toBeGreaterThan(keysBefore.length);
    const third = batch(10);
    await send(topic, third);

    // A new process: its own DuckDB, so nothing of the killed writer's memory survives.
    const freshDuckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
    try {
      await startWriter(topic, groupId, keyPrefix, { bounds, parquet: new ParquetChunkWriter(freshDuckdb, dir) });
      await waitForCommitted(topic, groupId);
    } finally {
      await Promise.allSettled(running.splice(0).map((w) => w.stop()));
      freshDuckdb.closeSync();
    }

    const { keys, rows } = await readLake(keyPrefix);
    for (const key of keysAtKill) expect(keys).toContain(key);
    const sent = [...written, ...third];
    expect(rows.map((r) => r.event_id as string).sort()).toEqual(sent.map((e) => e.event_id).sort());
    for (const video of pair) expect(await countsOf(video)).toEqual(expectedCounts(sent, video));
  });
});
