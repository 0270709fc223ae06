import { topicNames } from '@reelforge/contracts';
import { createTestTopics, stackEnv } from '@reelforge/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafka } from './kafka.client.js';
import { ensureTopics } from './topics.admin.js';

describe('ensureTopics', () => {
  it('creates the missing catalog topics and their DLQs, and is idempotent', async () => {
    const env = await stackEnv();
    // One topic already exists (with 3 partitions), as after an earlier deploy.
    const { prefix } = await createTestTopics(['video.uploaded'], 3);
    const kafka = createKafka({
      brokers: env.KAFKA_BROKERS.split(','),
      clientId: 'kafka-int-admin',
      logger: pino({ level: 'silent' }),
    });

    await ensureTopics(kafka, { topicPrefix: prefix, partitions: 2, replicationFactor: 1 });
    await ensureTopics(kafka, { topicPrefix: prefix, partitions: 2, replicationFactor: 1 });
    await Promise.all([
      ensureTopics(kafka, { topicPrefix: prefix, partitions: 2, replicationFactor: 1 }),
      ensureTopics(kafka, { topicPrefix: prefix, partitions: 2, replicationFactor: 1 }),
    ]);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
      const expected = topicNames.flatMap((t) => [prefix + t, `${prefix + t}.dlq`]).sort();
      expect(mine).toEqual(expected);
      const { topics } = await admin.fetchTopicMetadata({ topics: mine });
      const partitions = Object.fromEntries(topics.map((t) => [t.name.slice(prefix.length), t.partitions.length]));
      // The existing topic is left as it was; the new ones get the requested count.
      expect(partitions['video.uploaded']).toBe(3);
      expect(partitions['video.uploaded.dlq']).toBe(2);
      expect(partitions['video.transcoded']).toBe(2);
      expect(partitions['video.transcode-progress.dlq']).toBe(2);
    } finally {
      await admin.disconnect();
    }
  });

  it('can be limited to the topics one service owns', async () => {
    const env = await stackEnv();
    const { prefix } = await createTestTopics([], 1);
    const kafka = createKafka({
      brokers: env.KAFKA_BROKERS.split(','),
      clientId: 'kafka-int-admin',
      logger: pino({ level: 'silent' }),
    });
    await ensureTopics(kafka, { topicPrefix: prefix, partitions: 1, replicationFactor: 1, topics: ['video.uploaded'] });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
      expect(mine).toEqual([`${prefix}video.uploaded`, `${prefix}video.uploaded.dlq`]);
    } finally {
      await admin.disconnect();
    }
  });
});
