import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { memoisedPartitioner } from './kafka.sender.js';

const metadata = (n: number) =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1] }));

describe('memoisedPartitioner', () => {
  it('picks the partition the Java-compatible default partitioner picks, for every key', () => {
    const reference = Partitioners.DefaultPartitioner();
    const memo = memoisedPartitioner();
    for (let i = 0; i < 500; i++) {
      const args = { topic: 't', partitionMetadata: metadata(6), message: { key: `video-${i % 97}`, value: 'v' } };
      expect(memo(args)).toBe(reference(args));
    }
  });

  it('asks the base partitioner once per key, and again when the partition count changes', () => {
    const calls: string[] = [];
    const memo = memoisedPartitioner(({ message }) => {
      calls.push(String(message.key));
      return 1;
    });
    for (const key of ['a', 'b', 'a', 'a', 'b'])
      memo({ topic: 't', partitionMetadata: metadata(3), message: { key, value: '' } });
    memo({ topic: 't', partitionMetadata: metadata(4), message: { key: 'a', value: '' } });
    expect(calls).toEqual(['a', 'b', 'a']);
  });

  it('leaves an explicit partition to the default partitioner, which honours it', () => {
    const memo = memoisedPartitioner();
    expect(memo({ topic: 't', partitionMetadata: metadata(3), message: { key: 'a', value: '', partition: 2 } })).toBe(
      2,
    );
  });
});
