import { compatibilityPartitioner } from '@platformatic/kafka';
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
