// POST /v1/events against the real Kafka: what is accepted is on the topic, keyed by video, before the 202/207.
import { EngagementEventRecordV1 } from '@reelforge/contracts';
import { createKafka } from '@reelforge/kafka';
import { createRegistry } from '@reelforge/observability';
import { signPlaybackSession } from '@reelforge/storage/tokens';
import { createTestTopics, stackEnv, uniqueName } from '@reelforge/testkit';
import type { FastifyInstance } from 'fastify';
import { type Kafka, Partitioners } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { createRecordSender, type RecordSender } from './kafka.sender.js';
import { ProduceBatcher } from './produce.batcher.js';
import { RateLimiter } from './rate.limiter.js';

const videoA = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';
const videoB = '7c0e4a52-1d3f-4c53-9a3e-8f0f3c1f2a22';
const logger = pino({ level: 'silent' });
const SECRET = 'ingest-int-session-secret-0123456789-0123456789';
const sessionFor = (videoId: string, sessionId = 's-1') =>
  signPlaybackSession(SECRET, {
    videoId,
    sessionId,
    userId: 'u-1',
    viewerId: 'u-1',
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });

let kafka: Kafka;
let prefix: string;
let producer: RecordSender;
let app: FastifyInstance;

beforeAll(async () => {
  const env = await stackEnv();
  ({ prefix } = await createTestTopics(['engagement.events'], 2));
  kafka = createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'ingest-int', logger, logLevel: 'error' });
  producer = createRecordSender({
    env: {
      KAFKA_BROKERS: env.KAFKA_BROKERS.split(','),
      KAFKA_CLIENT_ID: 'ingest-int',
      KAFKA_SSL: false,
      KAFKA_SASL: 'none',
    },
    topic: `${prefix}engagement.events`,
  });
  await producer.connect();
  const batcher = new ProduceBatcher((m) => producer.send(m), {
    maxBatchBytes: 768 * 1024,
    maxPendingBytes: 8 * 1024 * 1024,
  });
  app = await buildApp({
    publish: (m) => batcher.publish(m),
    pendingBytes: () => batcher.pending.bytes,
    sessionSecrets: [SECRET],
    apiKeys: { authenticate: async () => null },
    rateLimits: {
      session: new RateLimiter(10, 100),
      ip: new RateLimiter(100, 1000),
      apiKey: new RateLimiter(100, 1000),
    },
    registry: createRegistry('ingest-int'),
    logger,
    checks: {},
    bodyLimitBytes: 1024 * 1024,
    maxEventsPerRequest: 1000,
  });
});

afterAll(async () => {
  await app?.close();
  await producer?.disconnect();
});

const event = (id: string, over: Record<string, unknown> = {}) => ({
  schema_version: 1,
  event_id: id,
  event_type: 'play',
  timestamp: '2025-03-01T10:00:00.000Z',
  user_id: 'u-1',
  device_id: 'dev-1',
  session_id: 's-1',
  content_id: videoA,
  position_sec: 3,
  client: { app: 'web', version: '1.0.0' },
  ...over,
});

async function readTopic(count: number): Promise<{ key: string; partition: number; value: unknown }[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  const seen: { key: string; partition: number; value: unknown }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: `${prefix}engagement.events`, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`saw ${seen.length} of ${count} messages`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        seen.push({ key: String(message.key), partition, value: JSON.parse(String(message.value)) });
        if (seen.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

const post = (batch: object[], token: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { 'content-type': 'application/json', 'user-agent': 'IntPlayer/2', authorization: `Bearer ${token}` },
    payload: JSON.stringify(batch),
  });

describe('events ingest on Kafka', () => {
  it('puts the good events of a mixed batch on engagement.events and reports the bad ones with reasons', async () => {
    const batch = [
      event('good-1', { extra_field: { kept: true } }),
      event('bad-1', { content_id: 'not-a-video' }),
      event('bad-2', { schema_version: 9, device_id: '' }),
      event('good-3', { event_type: 'view_complete', position_sec: 61.2 }),
      // Another video than the token's: refused, however valid.
      event('bad-3', { content_id: videoB, event_type: 'view_complete' }),
    ];
    const res = await post(batch, sessionFor(videoA));
    expect(res.statusCode).toBe(207);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([
      { index: 1, reasons: [expect.stringMatching(/^content_id: /)] },
      { index: 2, reasons: [expect.stringMatching(/^schema_version: /), expect.stringMatching(/^device_id: /)] },
      { index: 4, reasons: ['content_id: not the video of the session token'] },
    ]);
    // Another request, another session token: its video's events go on under their own key.
    const other = await post(
      [event('good-2', { content_id: videoB, event_type: 'like', session_id: 's-2' })],
      sessionFor(videoB, 's-2'),
    );
    expect(other.statusCode).toBe(202);
    // Without a token nothing is taken, whatever the body.
    const anonymous = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify([event('bad-4')]),
    });
    expect([anonymous.statusCode, anonymous.json().code]).toEqual([401, 'SESSION_INVALID']);

    const onKafka = await readTopic(3);
    const byId = new Map(onKafka.map((m) => [EngagementEventRecordV1.parse(m.value).event.event_id, m]));
    expect([...byId.keys()].sort()).toEqual(['good-1', 'good-2', 'good-3']);
    expect(byId.get('good-1')?.value).toMatchObject({
      version: 1,
      ip: '127.0.0.1',
      user_agent: 'IntPlayer/2',
      event: batch[0],
    });
    // Keyed by video: one video's events share a partition and keep their order.
    expect(byId.get('good-2')?.key).toBe(videoB);
    expect(byId.get('good-3')?.key).toBe(videoA);
    expect(byId.get('good-3')?.partition).toBe(byId.get('good-1')?.partition);
    // The same partitions the Java client and kafkajs's default partitioner choose for these keys.
    const reference = Partitioners.DefaultPartitioner();
    const metadata = [0, 1].map((partitionId) => ({
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
      partitionErrorCode: 0,
      offlineReplicas: [],
    }));
    for (const id of ['good-1', 'good-2']) {
      const m = byId.get(id);
      const expected = reference({
        topic: 't',
        partitionMetadata: metadata,
        message: { key: m?.key ?? '', value: '' },
      });
      expect(m?.partition).toBe(expected);
    }
  });
});
