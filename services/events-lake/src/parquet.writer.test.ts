import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_COLUMNS, type LakeRecord, MEDIA_COLUMNS, ParquetChunkWriter } from './parquet.writer.js';

const videoA = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';
const videoB = '7c0e4a52-1d3f-4c53-9a3e-8f0f3c1f2a22';

let duckdb: DuckDBInstance;
let dir: string;
let writer: ParquetChunkWriter;

beforeAll(async () => {
  duckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
  dir = await mkdtemp(join(tmpdir(), 'lake-unit-'));
  writer = new ParquetChunkWriter(duckdb, dir);
});

afterAll(async () => {
  duckdb?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const event = (id: string, over: Record<string, unknown> = {}) => ({
  schema_version: 1,
  event_id: id,
  event_type: 'play',
  timestamp: '2025-03-01T10:15:00.000Z',
  user_id: 'u-1',
  device_id: 'dev-1',
  session_id: 's-1',
  content_id: videoA,
  position_sec: 2.5,
  client: { app: 'web', version: '1.0.0' },
  ...over,
});

/** A chunk covering exactly its records' offsets. */
const write = (partition: number, records: LakeRecord[]) =>
  writer.write({
    partition,
    first: records[0]?.offset ?? 0n,
    last: records.at(-1)?.offset ?? 0n,
    records,
  });

const record = (offset: number, ev: unknown): LakeRecord => ({
  offset: BigInt(offset),
  value: Buffer.from(
    JSON.stringify({ version: 1, received_at: '2025-03-01T10:20:00.000Z', ip: '::1', user_agent: 'UA', event: ev }),
  ),
});

async function readRows(path: string): Promise<Record<string, unknown>[]> {
  const c = await duckdb.connect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    const r = await c.runAndReadAll(`SELECT * FROM read_parquet('${path}') ORDER BY kafka_offset`);
    return r.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    c.closeSync();
  }
}

/** The content-analytics design's example (issue #19), as a MediaEventRecordV1. */
const mediaExample = {
  event_id: 'content_analytics_event__123',
  event_type: 'play',
  timestamp: '2025-03-25T14:30:45.123Z',
  user_id: 'user_123',
  device_id: 'web_browser_xyz',
  session_id: 'sesssion_123',
  ip_address: '192.168.1.1',
  content_id: 'media_123',
  content_type: 'movie',
  title: 'Mr Robot',
  genre: ['thriller', 'action'],
  duration_seconds: 8880,
  language: 'en',
  current_timestamp: 120.5,
  schema_version: '1.0',
  event_source: 'web_app',
};
const mediaRecord = (offset: number, ev: unknown): LakeRecord => ({
  offset: BigInt(offset),
  value: Buffer.from(
    JSON.stringify({
      version: 1,
      received_at: '2025-03-25T14:30:46.000Z',
      ip: '10.0.0.9',
      user_agent: null,
      api_key_id: 'key-1',
      event: ev,
    }),
  ),
});

describe('ParquetChunkWriter', () => {
  it('writes one zstd file per event hour, named by the offsets it holds, with every field', async () => {
    const out = await write(4, [
      record(
        10,
        event('a', { ab: { arm: 'B', n: null }, 'w/e~"ird': 1, client: { app: 'web', version: '1.0.0', os: 'linux' } }),
      ),
      record(11, event('b', { timestamp: '2025-03-01T11:59:59.999+01:00', user_id: null })),
      record(12, event('c', { timestamp: '2025-03-01T11:00:00Z' })),
      record(13, event('d', { timestamp: '2025-03-02T00:00:00.000Z', event_type: 'like', content_id: videoB })),
    ]);
    try {
      expect(out.files.map((f) => [f.dt, f.hour, f.firstOffset, f.lastOffset, f.rows])).toEqual([
        ['2025-03-01', 10, 10n, 11n, 2],
        ['2025-03-01', 11, 12n, 12n, 1],
        ['2025-03-02', 0, 13n, 13n, 1],
      ]);
      const rows = await readRows(out.files[0]?.path ?? '');
      expect(Object.keys(rows[0] ?? {})).toEqual([...LAKE_COLUMNS]);
      expect(rows[0]).toEqual({
        schema_version: 1,
        event_id: 'a',
        event_type: 'play',
        timestamp: '2025-03-01 10:15:00+00',
        user_id: 'u-1',
        device_id: 'dev-1',
        session_id: 's-1',
        content_id: videoA,
        position_sec: 2.5,
        client_app: 'web',
        client_version: '1.0.0',
        extra: '{"ab":{"arm":"B","n":null},"w/e~\\"ird":1,"client":{"os":"linux"}}',
        received_at: '2025-03-01 10:20:00+00',
        ip: '::1',
        user_agent: 'UA',
        kafka_partition: 4,
        kafka_offset: '10',
      });
      // An offset in the timestamp is stored as the instant, in UTC.
      expect([rows[1]?.timestamp, rows[1]?.user_id, rows[1]?.extra]).toEqual([
        '2025-03-01 10:59:59.999+00',
        null,
        null,
      ]);

      const c = await duckdb.connect();
      const meta = await c.runAndReadAll(
        `SELECT DISTINCT compression FROM parquet_metadata('${out.files[0]?.path}') WHERE compression IS NOT NULL`,
      );
      c.closeSync();
      expect(meta.getRowsJS().map((r) => r[0])).toEqual(['ZSTD']);
    } finally {
      await out.cleanup();
    }
  });

  it('keeps the first of a repeated event_id and counts views per video from what is kept (likes are not counted here)', async () => {
    const out = await write(0, [
      record(1, event('v1', { event_type: 'view_complete' })),
      record(2, event('v1', { event_type: 'view_complete' })),
      record(3, event('l1', { event_type: 'like' })),
      record(4, event('l2', { event_type: 'like', content_id: videoB })),
      record(5, event('v2', { event_type: 'view_complete', content_id: videoB })),
      record(6, event('p1', { event_type: 'pause' })),
      record(7, event('l1', { event_type: 'like', position_sec: 9 })),
      record(8, event('u1', { event_type: 'unlike', content_id: videoB })),
      record(9, event('u2', { event_type: 'unlike', content_id: videoB })),
    ]);
    try {
      expect([out.duplicates, out.invalid]).toEqual([2, 0]);
      expect(out.counts).toEqual([
        { videoId: videoA, viewSessions: ['s-1'] },
        { videoId: videoB, viewSessions: ['s-1'] },
      ]);
      const rows = await readRows(out.files[0]?.path ?? '');
      expect(rows.map((r) => [r.event_id, r.kafka_offset])).toEqual([
        ['v1', '1'],
        ['l1', '3'],
        ['l2', '4'],
        ['v2', '5'],
        ['p1', '6'],
        ['u1', '8'],
        ['u2', '9'],
      ]);
    } finally {
      await out.cleanup();
    }
  });

  it('leaves out records that are not engagement events instead of failing the chunk', async () => {
    const out = await write(1, [
      { offset: 1n, value: Buffer.from('not json') },
      { offset: 2n, value: Buffer.from('{"version":1,"event":{"event_id":"x"}}') },
      { offset: 3n, value: Buffer.from('{"a":\n1}') },
      record(4, event('ok')),
      record(5, event('bad-time', { timestamp: 'soon' })),
      {
        offset: 6n,
        value: Buffer.from(
          '{"version":1,"event":{"event_id":"dup","content_id":"x","timestamp":"2025-03-01T10:00:00Z","k":1,"k":2}}',
        ),
      },
    ]);
    try {
      expect(out.invalid).toBe(4);
      expect(out.files.flatMap((f) => [f.firstOffset, f.lastOffset, f.rows])).toEqual([4n, 6n, 2]);
    } finally {
      await out.cleanup();
    }
  });

  it("writes the analytics design's events to files of their own with every field, and counts none of them", async () => {
    const out = await write(3, [
      mediaRecord(20, { ...mediaExample, rating: 'R' }),
      record(21, event('v', { event_type: 'view_complete' })),
      // The same id as a player's event: the two schemas do not de-duplicate each other.
      mediaRecord(22, { ...mediaExample, event_id: 'v', event_type: 'stop', genre: null, title: undefined }),
      mediaRecord(23, { ...mediaExample }),
    ]);
    try {
      expect([out.duplicates, out.invalid]).toEqual([1, 0]);
      expect(out.files.map((f) => [f.schema, f.dt, f.hour, f.firstOffset, f.lastOffset, f.rows])).toEqual([
        ['v1', '2025-03-01', 10, 21n, 21n, 1],
        ['media', '2025-03-25', 14, 20n, 22n, 2],
      ]);
      expect(out.counts).toEqual([{ videoId: videoA, viewSessions: ['s-1'] }]);
      const rows = await readRows(out.files[1]?.path ?? '');
      expect(Object.keys(rows[0] ?? {})).toEqual([...MEDIA_COLUMNS]);
      expect(rows[0]).toEqual({
        schema_version: '1.0',
        event_id: 'content_analytics_event__123',
        event_type: 'play',
        timestamp: '2025-03-25 14:30:45.123+00',
        user_id: 'user_123',
        device_id: 'web_browser_xyz',
        session_id: 'sesssion_123',
        content_id: 'media_123',
        content_type: 'movie',
        title: 'Mr Robot',
        genre: ['thriller', 'action'],
        duration_seconds: 8880,
        language: 'en',
        current_timestamp: 120.5,
        event_source: 'web_app',
        ip_address: '192.168.1.1',
        extra: '{"rating":"R"}',
        received_at: '2025-03-25 14:30:46+00',
        ip: '10.0.0.9',
        user_agent: null,
        api_key_id: 'key-1',
        kafka_partition: 3,
        kafka_offset: '20',
      });
      expect([rows[1]?.event_id, rows[1]?.genre, rows[1]?.title, rows[1]?.extra]).toEqual(['v', null, null, null]);
    } finally {
      await out.cleanup();
    }
  });

  it('drops ids seen in the chunk before (the window), and only when that chunk ends right before this one', async () => {
    const a = await write(9, [record(0, event('w1')), record(1, event('w2'))]);
    await a.cleanup();
    // Starts at 2: checked against the ids of 0..1.
    const b = await write(9, [record(2, event('w1')), record(3, event('w3'))]);
    await b.cleanup();
    expect([b.duplicates, b.files[0]?.rows]).toEqual([1, 1]);
    // Starts at 10: no chunk ended at 9, so no window applies.
    const c = await write(9, [record(10, event('w2'))]);
    await c.cleanup();
    expect([c.duplicates, c.files[0]?.rows]).toEqual([0, 1]);
    // Writing b again gives the same answer: its own ids did not become its window.
    const again = await write(9, [record(2, event('w1')), record(3, event('w3'))]);
    await again.cleanup();
    expect(again.duplicates).toBe(1);
  });

  it('rebuilds a window from the previous chunk’s records, and drops windows older than a chunk', async () => {
    expect(await writer.hasWindow(8, 5n)).toBe(false);
    await writer.loadWindow(8, 5n, [record(3, event('x1')), record(4, event('x2'))]);
    expect(await writer.hasWindow(8, 5n)).toBe(true);
    const out = await write(8, [record(5, event('x2')), record(6, event('x3'))]);
    await out.cleanup();
    expect(out.duplicates).toBe(1);
    expect(await writer.hasWindow(8, 7n)).toBe(true);
    await writer.dropWindows(8, 7n);
    expect([await writer.hasWindow(8, 5n), await writer.hasWindow(8, 7n)]).toEqual([false, true]);
    await writer.dropWindows(8);
    expect(await writer.hasWindow(8, 7n)).toBe(false);
  });
});
