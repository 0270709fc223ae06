import { compatibilityPartitioner } from '@platformatic/kafka';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';

const metadata = (n: number) =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1] }));

describe('partitioning', () => {
  it('puts every key on the partition the Java-compatible kafkajs partitioner (and the Java client) picks', () => {
    const reference = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 6, 12]) {
      for (let i = 0; i < 300; i++) {
        const key = i % 3 === 0 ? crypto.randomUUID() : `video-${i}`;
        const ours = compatibilityPartitioner({ topic: 't', value: '' }, Buffer.from(key)) % partitions;
        expect(ours).toBe(
          reference({ topic: 't', partitionMetadata: metadata(partitions), message: { key, value: '' } }),
        );
      }
    }
  });
});
