import {
  compatibilityPartitioner,
  crc32c,
  createRecord,
  createRecordsBatch,
  type MessageRecord,
  Reader,
  readRecordsBatch,
  Writer,
} from '@platformatic/kafka';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { memoisedKeySerializer, memoisedPartitioner } from './kafka.sender.js';

const metadata = (n: number) =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
    offlineReplicas: [],
  }));

describe('partitioning', () => {
  it('puts every key on the partition the Java-compatible kafkajs partitioner (and the Java client) picks', () => {
    const reference = Partitioners.DefaultPartitioner();
    const ours = memoisedPartitioner();
    for (const partitions of [1, 3, 6, 12]) {
      for (let i = 0; i < 300; i++) {
        const key = i % 3 === 0 ? crypto.randomUUID() : `video-${i}`;
        const expected = reference({
          topic: 't',
          partitionMetadata: metadata(partitions),
          message: { key, value: '' },
        });
        // Twice per key: the remembered hash must be the one computed.
        for (let round = 0; round < 2; round++) {
          expect(ours({ topic: 't', key, value: Buffer.alloc(0) }, Buffer.from(key)) % partitions).toBe(expected);
        }
      }
    }
  });
});

describe('memoisedPartitioner', () => {
  it('hashes each key once', () => {
    const seen: string[] = [];
    const memo = memoisedPartitioner((message, key) => {
      seen.push(String(message.key));
      return compatibilityPartitioner(message, key);
    });
    for (const key of ['a', 'b', 'a', 'a']) memo({ topic: 't', key, value: Buffer.alloc(0) }, Buffer.from(key));
    expect(seen).toEqual(['a', 'b']);
  });
});

describe('memoisedKeySerializer', () => {
  it('gives each key its UTF-8 bytes, the same buffer every time', () => {
    const serialize = memoisedKeySerializer();
    const first = serialize('vidéo-1');
    expect(first).toEqual(Buffer.from('vidéo-1', 'utf8'));
    expect(serialize('vidéo-1')).toBe(first);
    expect(serialize('video-2')).toEqual(Buffer.from('video-2'));
    expect(serialize(undefined)).toBeUndefined();
  });
});

describe('record encoding (patches/@platformatic__kafka@2.12.1.patch)', () => {
  const base = 1_795_390_000_000n;
  const messages = (): MessageRecord[] =>
    Array.from({ length: 300 }, (_, i) => ({
      topic: 't',
      partition: 0,
      key: i % 7 === 0 ? undefined : Buffer.from(`video-${i % 13}`),
      value: i % 11 === 0 ? Buffer.alloc(0) : Buffer.alloc((i * 37) % 20_000, i % 251),
      // Later and earlier than the first record, by up to ~2^30 ms (five-byte varints).
      timestamp: base + BigInt(((i * 7919) % 1000) - 500) * (i % 3 === 0 ? 2_000_000n : 1n),
      headers:
        i % 5 === 0
          ? new Map([
              [Buffer.from(`h${i}`), Buffer.alloc(i % 300, 118)],
              [Buffer.from('x'), Buffer.from([1, 2, 3])],
            ])
          : new Map(),
    }));

  it('writes every record byte for byte as the library’s own createRecord, in one buffer', () => {
    const expected = messages();
    const first = expected[0]?.timestamp as bigint;
    const records = Buffer.concat(expected.map((m, i) => createRecord(m, i, first).buffer));
    const batch = createRecordsBatch(messages(), { producerId: 7n, producerEpoch: 2, compression: 'none' }).buffer;
    expect(batch.subarray(batch.length - records.length).equals(records)).toBe(true);
    const read = readRecordsBatch(Reader.from(batch));
    expect(read.records.map((r) => r.value?.length)).toEqual(expected.map((m) => m.value.length));
    const stamps = expected.map((m) => m.timestamp as bigint);
    expect(read.maxTimestamp - read.firstTimestamp).toBe(stamps.reduce((a, b) => (b > a ? b : a)) - first);
  });

  it('writes a timestamp delta past 2^31 ms as Kafka’s zigzag varlong (the unpatched library garbles it)', () => {
    const message = (timestamp: bigint): MessageRecord => ({ topic: 't', value: Buffer.from('v'), timestamp });
    const batch = createRecordsBatch([message(base), message(base + 2n ** 40n)], {
      producerId: 7n,
      producerEpoch: 2,
      compression: 'none',
    }).buffer;
    // The second record (13 bytes): its length, attributes 0, then the delta 2^40 zigzagged to 2^41, which is
    // five 7-bit groups of 0 and then 2^6.
    const second = batch.subarray(batch.length - 13);
    expect([...second.subarray(1, 8)]).toEqual([0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
  });

  it('checksums a batch kept in pieces as it would the whole', () => {
    const batch = createRecordsBatch(messages(), { producerId: 7n, producerEpoch: 2, compression: 'none' }).buffer;
    // The CRC covers the batch from its attributes (offset 21) to the end.
    const covered = batch.subarray(21);
    expect(readRecordsBatch(Reader.from(batch)).crc).toBe(crc32c(covered));
    const pieces = Writer.create()
      .append(covered.subarray(0, 5))
      .append(covered.subarray(5, 4000))
      .append(covered.subarray(4000));
    expect(crc32c(pieces.dynamicBuffer)).toBe(crc32c(covered));
  });
});
