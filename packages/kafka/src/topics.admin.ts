// Creates the catalog topics and their dead-letter topics at start-up. Safe to run from every service at once.
import { dlqTopic, topicNames } from '@reelforge/contracts';
import type { Kafka } from 'kafkajs';

export interface EnsureTopicsOptions {
  topicPrefix?: string;
  partitions: number;
  replicationFactor: number;
  /** Catalog names (without prefix); default: every catalog topic. */
  topics?: string[];
}

/** Every topic name ensureTopics manages for these options: each topic and its `.dlq`, prefixed. */
export function managedTopicNames(opts: Pick<EnsureTopicsOptions, 'topicPrefix' | 'topics'>): string[] {
  const prefix = opts.topicPrefix ?? '';
  return (opts.topics ?? topicNames).flatMap((name) => [prefix + name, dlqTopic(prefix + name)]);
}

export async function ensureTopics(kafka: Kafka, opts: EnsureTopicsOptions): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = managedTopicNames(opts).filter((name) => !existing.has(name));
    if (missing.length === 0) return;
    // createTopics answers false (not an error) when another service created them in the meantime.
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: opts.partitions,
        replicationFactor: opts.replicationFactor,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
