// The observability consumer against the real Kafka: a batch of both schemas' records on engagement.events moves the
// reelforge_engagement_ series, and its lag comes back to 0 once it has read them.
import { createKafka } from '@reelforge/kafka';
import { createRegistry } from '@reelforge/observability';
import { createTestTopics, stackEnv, uniqueName } from '@reelforge/testkit';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionTracker, SourceLabels } from './engagement.aggregator.js';
import { type EngagementConsumer, startEngagementConsumer } from './engagement.consumer.js';
import { engagementMetrics } from './engagement.metrics.js';

const logger = pino({ level: 'silent' });
let kafka: Kafka;
let topic: string;
let registry: Registry;
let consumer: EngagementConsumer | undefined;

beforeAll(async () => {
  const env = await stackEnv();
  const { prefix } = await createTestTopics(['engagement.events'], 2);
  topic = `${prefix}engagement.events`;
  kafka = createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'metrics-int', logger, logLevel: 'error' });
});

afterAll(async () => {
  await consumer?.stop();
});

const now = Date.now();
const at = (sec: number) => new Date(now + sec * 1000).toISOString();
const player = (id: string, type: string, sec: number, position: number) => ({
  version: 1,
  received_at: at(sec),
  ip: '::1',
  user_agent: null,
  event: {
    schema_version: 1,
    event_id: id,
    event_type: type,
    timestamp: at(sec),
    user_id: null,
    device_id: 'd',
    session_id: 'player-session',
    content_id: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
    position_sec: position,
    client: { app: 'web', version: '1' },
  },
});
const media = (id: string, type: string, sec: number, position: number) => ({
  version: 1,
  received_at: at(sec),
  ip: '10.0.0.9',
  user_agent: null,
  api_key_id: 'k',
  event: {
    schema_version: '1.0',
    event_id: id,
    event_type: type,
    timestamp: at(sec),
    user_id: 'user_123',
    device_id: 'web_browser_xyz',
    session_id: 'sesssion_123',
    content_id: 'media_123',
    content_type: 'movie',
    current_timestamp: position,
    event_source: 'web_app',
  },
});

const value = async (name: string, labels: Record<string, string> = {}) => {
  const metric = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return metric
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((n, v) => n + v.value, 0);
};

describe('engagement metrics consumer', () => {
  it('moves the reelforge_engagement_ series after a batch of events', async () => {
    registry = createRegistry('metrics-int');
    const sessions = new SessionTracker(600_000);
    consumer = await startEngagementConsumer({
      kafka,
      groupId: uniqueName('engagement-metrics'),
      topic,
      fromBeginning: true,
      sessions,
      sources: new SourceLabels(10),
      metrics: engagementMetrics(registry, () => sessions.active(Date.now())),
      logger,
    });
    const records = [
      player('p1', 'play', -30, 0),
      player('p2', 'pause', -20, 10),
      media('m1', 'play', -30, 100),
      media('m2', 'stop', -10, 120),
    ];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        // Each session's events on one partition, in order, as the ingest keys them (by content id).
        ...records.map((r) => ({ key: r.event.content_id, value: JSON.stringify(r) })),
        { key: 'x', value: 'not an engagement record' },
      ],
    });
    await producer.disconnect();

    await expect.poll(() => value('reelforge_engagement_events_total'), { timeout: 30_000, interval: 200 }).toBe(4);
    expect(await value('reelforge_engagement_events_total', { content_type: 'movie', source: 'web_app' })).toBe(2);
    expect(
      await value('reelforge_engagement_events_total', { event_type: 'pause', content_type: 'video', source: 'web' }),
    ).toBe(1);
    expect(await value('reelforge_engagement_watch_seconds_total', { content_type: 'video' })).toBe(10);
    expect(await value('reelforge_engagement_watch_seconds_total', { content_type: 'movie' })).toBe(20);
    // The player's session paused (still active); the movie's stopped.
    expect(await value('reelforge_engagement_active_sessions')).toBe(1);
    await expect.poll(() => value('reelforge_engagement_records_invalid_total'), { timeout: 10_000 }).toBe(1);
    expect(await value('reelforge_engagement_consumer_lag')).toBe(0);
  });
});
