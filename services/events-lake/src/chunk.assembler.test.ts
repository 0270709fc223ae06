import { describe, expect, it } from 'vitest';
import { boundBefore, type Chunk, ChunkAssembler, type KafkaRecord } from './chunk.assembler.js';

const bounds = { maxBytes: 10, maxEvents: 3, maxSpanMs: 1000 };
const rec = (offset: number, timestampMs = 0, bytes = 1): KafkaRecord => ({
  offset: BigInt(offset),
  timestampMs,
  value: Buffer.alloc(bytes),
});
const span = (c: Chunk) => [c.first, c.last, c.records.length, c.reason];

async function feed(a: ChunkAssembler, records: KafkaRecord[]): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for (const r of records) out.push(...(await a.append(r, 0)));
  return out;
}

const noRegistry = async () => null;

describe('boundBefore', () => {
  const open = { count: 2, bytes: 8, firstTimestampMs: 100 };
  it('names the bound the next record would cross', () => {
    expect(boundBefore(open, { bytes: 2, timestampMs: 100 }, bounds)).toBeNull();
    expect(boundBefore(open, { bytes: 3, timestampMs: 100 }, bounds)).toBe('bytes');
    expect(boundBefore({ ...open, count: 3 }, { bytes: 1, timestampMs: 100 }, bounds)).toBe('events');
    expect(boundBefore(open, { bytes: 1, timestampMs: 1100 }, bounds)).toBe('span');
    expect(boundBefore(open, { bytes: 1, timestampMs: 1099 }, bounds)).toBeNull();
  });

  it('never closes an empty chunk, whatever the record', () => {
    expect(
      boundBefore({ count: 0, bytes: 0, firstTimestampMs: 0 }, { bytes: 99, timestampMs: 1e9 }, bounds),
    ).toBeNull();
  });
});

describe('ChunkAssembler', () => {
  it('cuts the same chunks from the same records, by events, bytes and record time', async () => {
    const records = [rec(0), rec(1), rec(2), rec(3, 0, 10), rec(4, 0, 1), rec(5, 500), rec(6, 1200)];
    const run = async () => feed(new ChunkAssembler(7, bounds, noRegistry), records);
    const chunks = await run();
    expect(chunks.map(span)).toEqual([
      [0n, 2n, 3, 'events'],
      [3n, 3n, 1, 'bytes'],
      [4n, 5n, 2, 'span'],
    ]);
    expect(chunks[0]?.partition).toBe(7);
    expect((await run()).map(span)).toEqual(chunks.map(span));
  });

  it('ends a chunk where the registry fixed it, ahead of the bounds and of idleness', async () => {
    const asked: bigint[] = [];
    const a = new ChunkAssembler(0, bounds, async (first) => {
      asked.push(first);
      return first === 10n ? 11n : null;
    });
    const closed = await feed(a, [rec(10), rec(11), rec(12)]);
    expect(closed.map(span)).toEqual([[10n, 11n, 2, 'registry']]);
    expect(asked).toEqual([10n, 12n]);
  });

  it('closes a registry chunk when a later offset shows the fixed end was skipped', async () => {
    const a = new ChunkAssembler(0, { ...bounds, maxEvents: 100 }, async (first) => (first === 0n ? 5n : null));
    const closed = await feed(a, [rec(0), rec(1), rec(7)]);
    expect(closed.map(span)).toEqual([[0n, 5n, 2, 'registry']]);
  });

  it('closes early when idle, but never a chunk the registry fixed', async () => {
    const free = new ChunkAssembler(0, bounds, noRegistry);
    await free.append(rec(0), 1000);
    expect(free.closeEarly('idle', 1500, 1000)).toBeNull();
    expect(span(free.closeEarly('idle', 2000, 1000) as Chunk)).toEqual([0n, 0n, 1, 'idle']);
    expect(free.openCount).toBe(0);

    const fixed = new ChunkAssembler(0, bounds, async () => 9n);
    await fixed.append(rec(0), 0);
    expect(fixed.closeEarly('idle', 1e9, 1)).toBeNull();
    expect(fixed.closeEarly('pressure', 1e9)).toBeNull();
  });

  it('starts over when Kafka hands out an earlier offset again', async () => {
    const a = new ChunkAssembler(0, { ...bounds, maxEvents: 2 }, noRegistry);
    await feed(a, [rec(0), rec(1)]);
    // The chunk 0..1 was never closed; a rebalance rewinds to 0.
    const closed = await feed(a, [rec(0), rec(1), rec(2)]);
    expect(closed.map(span)).toEqual([[0n, 1n, 2, 'events']]);
  });

  it('after a reset to an offset, drops leftovers until that offset arrives', async () => {
    const a = new ChunkAssembler(0, bounds, noRegistry);
    await feed(a, [rec(5), rec(6)]);
    a.reset(5n);
    expect(await a.append(rec(7), 0)).toEqual([]);
    expect(a.openCount).toBe(0);
    await feed(a, [rec(5), rec(6)]);
    expect(a.openCount).toBe(2);
    expect(a.openBytes).toBe(2);
  });
});
