import { randomUUID } from 'node:crypto';
import { AppError, type MessageOf, type TopicName } from '@reelforge/contracts';
import { createTestTopics, stackEnv, uniqueName } from '@reelforge/testkit';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ConsumerOptions, type RunningConsumer, startConsumer } from './event.consumer.js';
import { createEventProducer, type EventProducer } from './event.producer.js';
import { createKafka } from './kafka.client.js';

// TEST_LOG_LEVEL=debug shows what the consumers and kafkajs do.
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const fastRetry = { attempts: 3, initialMs: 10, maxMs: 50 };
// Quick joins and quick stops against the single local broker.
const quick = { sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 } as const;

let kafka: Kafka;
const running: RunningConsumer[] = [];
const producers: EventProducer[] = [];

beforeAll(async () => {
  const env = await stackEnv();
  kafka = createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'kafka-int', logger });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  await Promise.all(producers.splice(0).map((p) => p.disconnect()));
});

async function topicsFor(names: string[], partitions = 3) {
  const { prefix } = await createTestTopics(
    names.flatMap((n) => [n, `${n}.dlq`]),
    partitions,
  );
  const producer = createEventProducer(kafka, { topicPrefix: prefix, logger });
  await producer.connect();
  producers.push(producer);
  return { prefix, producer };
}

async function consume<T extends TopicName>(opts: Omit<ConsumerOptions<T>, 'kafka' | 'logger'>) {
  const consumer = await startConsumer({ kafka, logger, retry: fastRetry, ...quick, ...opts });
  running.push(consumer);
  await consumer.ready();
  return consumer;
}

const waitFor = (what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000) =>
  vi.waitFor(async () => expect(await condition(), `waiting for ${what}`).toBe(true), {
    timeout: timeoutMs,
    interval: 20,
  });

/** Committed offsets of a group, summed over partitions (each partition starts at offset 0). */
async function committedTotal(groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

async function readTopic(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), ...quick });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message);
      },
    });
    await waitFor(`${count} messages on ${topic}`, () => seen.length >= count);
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

/** What a client sees when its peer goes away: infrastructure trouble, not the message's fault. */
const connectionReset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104 });

/** The records on a topic (its partitions' high watermarks summed; every partition starts at offset 0). */
async function topicSize(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

const progress = (percent: number): MessageOf<'video.transcode-progress'> => ({
  version: 1,
  videoId: randomUUID(),
  attempt: 1,
  percent,
});

const failed = (): MessageOf<'video.transcode-failed'> => ({
  version: 1,
  videoId: randomUUID(),
  attempt: 1,
  code: 'TRANSCODE_FAILED',
  message: 'exit 1',
  retryable: true,
});

const transcoded = (): MessageOf<'video.transcoded'> => ({
  version: 1,
  videoId: randomUUID(),
  attempt: 1,
  renditions: [
    {
      name: '720p',
      width: 1280,
      height: 720,
      bitrateKbps: 2800,
      codecs: 'avc1.64001f,mp4a.40.2',
      mp4Key: 'v/720p.mp4',
      playlistKey: 'v/720p.m3u8',
      bytes: 1000,
    },
  ],
  hlsMasterKey: 'v/master.m3u8',
  posterKey: 'v/poster.jpg',
  thumbnails: { spriteKey: 'v/sprite.jpg', vttKey: 'v/thumbs.vtt', intervalSec: 5, tileWidth: 160, tileHeight: 90 },
  durationSec: 12.5,
});

describe('event producer and consumer on a real Kafka', () => {
  it('delivers validated, keyed events with their headers to the handler of their topic', async () => {
    const { prefix, producer } = await topicsFor(['video.transcode-progress', 'video.transcode-failed']);
    const registry = new Registry();
    const seen: { percent: number; key: string | null; headers: Record<string, string>; topic: string }[] = [];
    const failures: string[] = [];
    const groupId = uniqueName('g');
    await consume({
      groupId,
      topicPrefix: prefix,
      registry,
      topics: ['video.transcode-progress', 'video.transcode-failed'] as const,
      handlers: {
        'video.transcode-progress': async (m, ctx) => {
          seen.push({ percent: m.percent, key: ctx.key, headers: ctx.headers, topic: ctx.topic });
        },
        'video.transcode-failed': async (m) => {
          failures.push(m.code);
        },
      },
    });

    const messages = [progress(10), progress(20), progress(30)];
    await producer.send('video.transcode-progress', messages);
    await producer.send('video.transcode-failed', [failed()]);
    await waitFor('all messages', () => seen.length === 3 && failures.length === 1);

    expect(seen.map((s) => s.percent).sort()).toEqual([10, 20, 30]);
    for (const s of seen) {
      expect(s.topic).toBe('video.transcode-progress');
      expect(s.headers).toEqual({ 'content-type': 'application/json', 'x-schema-version': '1' });
    }
    expect(seen.map((s) => s.key).sort()).toEqual(messages.map((m) => m.videoId).sort());
    expect(failures).toEqual(['TRANSCODE_FAILED']);
    await waitFor('commits', async () => (await committedTotal(groupId, `${prefix}video.transcode-progress`)) === 3);
    const text = await registry.metrics();
    expect(text).toContain('reelforge_kafka_messages_consumed_total{topic="video.transcode-progress",outcome="ok"} 3');
    expect(text).toContain('reelforge_kafka_handler_duration_seconds_count{topic="video.transcode-progress"} 3');
    expect(text).toMatch(/reelforge_kafka_consumer_lag\{topic="video.transcode-progress",partition="\d"\} 0/);
  });

  it('counts what the producer sends', async () => {
    const registry = new Registry();
    const { prefix } = await createTestTopics(['video.transcode-progress'], 1);
    const producer = createEventProducer(kafka, { topicPrefix: prefix, registry, logger });
    await producer.connect();
    try {
      await producer.send('video.transcode-progress', [progress(1), progress(2)]);
      await producer.sendRaw('video.transcode-progress', [{ key: null, value: '{"raw":true}' }]);
      const [raw] = (await readTopic(`${prefix}video.transcode-progress`, 3)).filter((m) => m.key === null);
      expect(raw?.headers?.['content-type']?.toString()).toBe('application/json');
    } finally {
      await producer.disconnect();
    }
    expect(await registry.metrics()).toContain(
      'reelforge_kafka_messages_produced_total{topic="video.transcode-progress"} 3',
    );
  });

  it('parks undecodable messages in the DLQ with the reason and keeps handling the next ones', async () => {
    const { prefix, producer } = await topicsFor(['video.transcode-progress'], 1);
    const registry = new Registry();
    const handled: number[] = [];
    const groupId = uniqueName('g');
    await consume({
      groupId,
      topicPrefix: prefix,
      registry,
      topics: ['video.transcode-progress'] as const,
      handlers: {
        'video.transcode-progress': async (m) => {
          handled.push(m.percent);
        },
      },
    });

    const notJson = Buffer.from([0x7b, 0xff, 0x00]);
    await producer.sendRaw('video.transcode-progress', [
      { key: 'k-bad-json', value: notJson.toString('latin1'), headers: { 'x-trace': 't1' } },
    ]);
    await producer.sendRaw('video.transcode-progress', [
      { key: 'k-bad-schema', value: JSON.stringify({ version: 1, videoId: 'nope', attempt: 1, percent: 5 }) },
    ]);
    await producer.send('video.transcode-progress', [progress(42)]);

    await waitFor('the good message', () => handled.length === 1);
    expect(handled).toEqual([42]);
    await waitFor('commits', async () => (await committedTotal(groupId, `${prefix}video.transcode-progress`)) === 3);

    const dlq = await readTopic(`${prefix}video.transcode-progress.dlq`, 2);
    const header = (m: KafkaMessage | undefined, name: string) => m?.headers?.[name]?.toString();
    const [badJson, badSchema] = dlq;
    expect(badJson?.key?.toString()).toBe('k-bad-json');
    expect(badJson?.value).toEqual(Buffer.from(notJson.toString('latin1')));
    expect(header(badJson, 'x-dlq-reason')).toMatch(/^invalid JSON: /);
    expect(header(badJson, 'x-dlq-reason-kind')).toBe('undecodable');
    expect(header(badJson, 'x-original-topic')).toBe(`${prefix}video.transcode-progress`);
    expect(header(badJson, 'x-original-partition')).toBe('0');
    expect(header(badJson, 'x-original-offset')).toBe('0');
    expect(header(badJson, 'x-trace')).toBe('t1');
    expect(badSchema?.key?.toString()).toBe('k-bad-schema');
    expect(header(badSchema, 'x-dlq-reason')).toMatch(/^schema: videoId: /);
    expect(header(badSchema, 'x-original-offset')).toBe('1');
    expect(JSON.parse(badSchema?.value?.toString() ?? '')).toEqual({
      version: 1,
      videoId: 'nope',
      attempt: 1,
      percent: 5,
    });

    const text = await registry.metrics();
    expect(text).toContain(
      'reelforge_kafka_dlq_messages_total{topic="video.transcode-progress",reason="undecodable"} 2',
    );
    expect(text).toContain('reelforge_kafka_messages_consumed_total{topic="video.transcode-progress",outcome="dlq"} 2');
  });

  it('retries a failing handler in process and commits the offset once it succeeds', async () => {
    const { prefix, producer } = await topicsFor(['video.transcode-failed'], 1);
    const registry = new Registry();
    const calls: string[] = [];
    let successes = 0;
    const groupId = uniqueName('g');
    await consume({
      groupId,
      topicPrefix: prefix,
      registry,
      topics: ['video.transcode-failed'] as const,
      handlers: {
        'video.transcode-failed': async (m) => {
          calls.push(m.videoId);
          if (calls.length <= 2) throw new Error(`flaky ${calls.length}`);
          successes++;
        },
      },
    });

    const message = failed();
    await producer.send('video.transcode-failed', [message]);
    await waitFor('the success', () => successes === 1);
    await waitFor('the commit', async () => (await committedTotal(groupId, `${prefix}video.transcode-failed`)) === 1);
    // Nothing is redelivered after the commit.
    await new Promise((r) => setTimeout(r, 500));
    expect(calls).toEqual([message.videoId, message.videoId, message.videoId]);
    expect(successes).toBe(1);
    const text = await registry.metrics();
    expect(text).toContain(
      'reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="retried"} 1',
    );
    expect(text).not.toContain('outcome="failed"');
    expect(text).toContain('reelforge_kafka_handler_duration_seconds_count{topic="video.transcode-failed"} 3');
  });

  it('does not drop a message whose handler exhausts its attempts: it is redelivered until handled', async () => {
    const { prefix, producer } = await topicsFor(['video.transcode-failed'], 1);
    const registry = new Registry();
    let calls = 0;
    const handled: string[] = [];
    const groupId = uniqueName('g');
    await consume({
      groupId,
      topicPrefix: prefix,
      registry,
      retry: { attempts: 2, initialMs: 10, maxMs: 10 },
      topics: ['video.transcode-failed'] as const,
      handlers: {
        'video.transcode-failed': async (m) => {
          calls++;
          // A TypeError is what kafkajs itself would treat as fatal; the runner must keep the consumer going.
          if (calls <= 3) throw new TypeError(`broken ${calls}`);
          handled.push(m.videoId);
        },
      },
    });

    const first = failed();
    const second = failed();
    await producer.send('video.transcode-failed', [first, second]);
    await waitFor('both handled', () => handled.length === 2);
    expect(handled).toEqual([first.videoId, second.videoId]);
    // Delivery 1: attempts 1-2 fail; redelivery: attempt 3 fails, attempt 4 succeeds; then the second message.
    expect(calls).toBe(5);
    await waitFor('the commits', async () => (await committedTotal(groupId, `${prefix}video.transcode-failed`)) === 2);
    const text = await registry.metrics();
    expect(text).toContain(
      'reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="failed"} 1',
    );
    expect(text).toContain(
      'reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="retried"} 1',
    );
    expect(text).toContain('reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="ok"} 1');
  });

  it('stops mid-stream with every handled message committed, and a restart handles only the rest', async () => {
    const { prefix, producer } = await topicsFor(['video.transcoded'], 3);
    const total = 40;
    const sent = Array.from({ length: total }, transcoded);
    await producer.send('video.transcoded', sent);
    const groupId = uniqueName('g');
    const topic = `${prefix}video.transcoded`;

    const firstRun: string[] = [];
    const first = await consume({
      groupId,
      topicPrefix: prefix,
      partitionsConsumedConcurrently: 3,
      topics: ['video.transcoded'] as const,
      handlers: {
        'video.transcoded': async (m) => {
          await new Promise((r) => setTimeout(r, 25));
          firstRun.push(m.videoId);
        },
      },
    });
    await waitFor('some progress', () => firstRun.length >= 10);
    await first.stop();
    expect(first.isRunning()).toBe(false);
    const handledBeforeStop = firstRun.length;
    expect(handledBeforeStop).toBeLessThan(total);
    expect(await committedTotal(groupId, topic)).toBe(handledBeforeStop);
    await new Promise((r) => setTimeout(r, 200));
    expect(firstRun.length).toBe(handledBeforeStop);

    const secondRun: string[] = [];
    await consume({
      groupId,
      topicPrefix: prefix,
      topics: ['video.transcoded'] as const,
      handlers: {
        'video.transcoded': async (m) => {
          secondRun.push(m.videoId);
        },
      },
    });
    await waitFor('the rest', () => firstRun.length + secondRun.length >= total);
    expect(secondRun.filter((id) => firstRun.includes(id))).toEqual([]);
    expect([...firstRun, ...secondRun].sort()).toEqual(sent.map((m) => m.videoId).sort());
    await waitFor('all committed', async () => (await committedTotal(groupId, topic)) === total);
  });

  it('stops fetching while paused and picks up again on resume', async () => {
    const { prefix, producer } = await topicsFor(['video.transcode-progress'], 2);
    const handled: number[] = [];
    const consumer = await consume({
      groupId: uniqueName('g'),
      topicPrefix: prefix,
      topics: ['video.transcode-progress'] as const,
      handlers: {
        'video.transcode-progress': async (m) => {
          handled.push(m.percent);
        },
      },
    });
    await producer.send('video.transcode-progress', [progress(1)]);
    await waitFor('the first message', () => handled.length === 1);

    consumer.pause();
    await producer.send('video.transcode-progress', [progress(2), progress(3)]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(handled).toEqual([1]);
    expect(consumer.isRunning()).toBe(true);

    consumer.resume();
    await waitFor('the held messages', () => handled.length === 3);
    expect(handled.slice(1).sort()).toEqual([2, 3]);
  });

  it('runs different keys of a partition concurrently and one key strictly in offset order', async () => {
    const { prefix, producer } = await topicsFor(['video.transcode-progress'], 1);
    const groupId = uniqueName('g');
    const keys = Array.from({ length: 6 }, () => randomUUID());
    const sent = Array.from({ length: 10 }, (_, step) => keys.map((videoId) => ({ ...progress(step * 10), videoId })));
    const seen = new Map<string, number[]>();
    const inFlight = new Set<string>();
    let maxInFlight = 0;
    let sameKeyOverlaps = 0;
    await consume({
      groupId,
      topicPrefix: prefix,
      concurrencyPerPartition: 4,
      topics: ['video.transcode-progress'] as const,
      handlers: {
        'video.transcode-progress': async (m) => {
          if (inFlight.has(m.videoId)) sameKeyOverlaps++;
          inFlight.add(m.videoId);
          maxInFlight = Math.max(maxInFlight, inFlight.size);
          // Uneven delays, so a key that went later could overtake one of its own earlier messages if allowed.
          await new Promise((r) => setTimeout(r, ((m.percent / 10) % 3) * 7 + 2));
          inFlight.delete(m.videoId);
          seen.set(m.videoId, [...(seen.get(m.videoId) ?? []), m.percent]);
        },
      },
    });
    // One send: one batch on the single partition, the keys interleaved.
    await producer.send('video.transcode-progress', sent.flat());
    await waitFor('all handled', () => [...seen.values()].reduce((n, l) => n + l.length, 0) === 60);

    for (const key of keys) expect(seen.get(key)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(sameKeyOverlaps).toBe(0);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    await waitFor(
      'the commit',
      async () => (await committedTotal(groupId, `${prefix}video.transcode-progress`)) === 60,
    );
  });

  it('does not commit past a failing message while later keys complete, and commits them all once it succeeds', async () => {
    const { prefix, producer } = await topicsFor(['video.transcode-failed'], 1);
    const groupId = uniqueName('g');
    const topic = `${prefix}video.transcode-failed`;
    const sent = Array.from({ length: 6 }, failed);
    const stuck = sent[1]?.videoId;
    let open = false;
    let stuckCalls = 0;
    const handled: string[] = [];
    await consume({
      groupId,
      topicPrefix: prefix,
      concurrencyPerPartition: 3,
      retry: { attempts: 1000, initialMs: 20, maxMs: 20 },
      topics: ['video.transcode-failed'] as const,
      handlers: {
        'video.transcode-failed': async (m) => {
          if (m.videoId === stuck) {
            stuckCalls++;
            // Transient (the database is away, say): retried for as long as it lasts, never parked.
            if (!open) throw connectionReset();
          }
          handled.push(m.videoId);
        },
      },
    });
    await producer.send('video.transcode-failed', sent);

    await waitFor('the messages around the failing one', () => handled.length === 5);
    await waitFor('offset 0 committed', async () => (await committedTotal(groupId, topic)) === 1);
    // Offsets 2-5 are handled, yet the committed offset stays at the failing message.
    await new Promise((r) => setTimeout(r, 600));
    expect(await committedTotal(groupId, topic)).toBe(1);
    expect(handled).not.toContain(stuck);
    expect(stuckCalls).toBeGreaterThan(3);

    open = true;
    await waitFor('everything committed', async () => (await committedTotal(groupId, topic)) === 6);
    expect([...handled].sort()).toEqual(sent.map((m) => m.videoId).sort());
  });

  it('stops with concurrent handlers in flight, commits exactly what was handled, and a restart does the rest', async () => {
    const { prefix, producer } = await topicsFor(['video.transcoded'], 3);
    const total = 90;
    const sent = Array.from({ length: total }, transcoded);
    await producer.send('video.transcoded', sent);
    const groupId = uniqueName('g');
    const topic = `${prefix}video.transcoded`;

    const firstRun: string[] = [];
    const first = await consume({
      groupId,
      topicPrefix: prefix,
      partitionsConsumedConcurrently: 3,
      concurrencyPerPartition: 4,
      topics: ['video.transcoded'] as const,
      handlers: {
        'video.transcoded': async (m) => {
          await new Promise((r) => setTimeout(r, 40));
          firstRun.push(m.videoId);
        },
      },
    });
    await waitFor('some progress', () => firstRun.length >= 12);
    await first.stop();
    const handledBeforeStop = firstRun.length;
    expect(handledBeforeStop).toBeLessThan(total);
    expect(await committedTotal(groupId, topic)).toBe(handledBeforeStop);

    const secondRun: string[] = [];
    await consume({
      groupId,
      topicPrefix: prefix,
      concurrencyPerPartition: 4,
      topics: ['video.transcoded'] as const,
      handlers: {
        'video.transcoded': async (m) => {
          secondRun.push(m.videoId);
        },
      },
    });
    await waitFor('the rest', () => firstRun.length + secondRun.length >= total);
    expect(secondRun.filter((id) => firstRun.includes(id))).toEqual([]);
    expect([...firstRun, ...secondRun].sort()).toEqual(sent.map((m) => m.videoId).sort());
    await waitFor('all committed', async () => (await committedTotal(groupId, topic)) === total);
  });

  it('refuses to publish a message its contract rejects', async () => {
    const { producer } = await topicsFor(['video.transcode-progress'], 1);
    await expect(producer.send('video.transcode-progress', [{ ...progress(5), percent: 101 }])).rejects.toThrow(
      /percent/,
    );
  });

  describe('parking a message whose handler keeps failing', () => {
    const header = (m: KafkaMessage | undefined, name: string) => m?.headers?.[name]?.toString();

    it('sends it to the DLQ with the error after N failures, runs the hook, commits it and handles the next ones', async () => {
      const { prefix, producer } = await topicsFor(['video.transcode-failed'], 1);
      const registry = new Registry();
      const groupId = uniqueName('g');
      const topic = `${prefix}video.transcode-failed`;
      const [before, poison, after] = [failed(), failed(), failed()];
      const handled: string[] = [];
      let poisonCalls = 0;
      const parked: { videoId: string; offset: string; error: unknown }[] = [];
      await consume({
        groupId,
        topicPrefix: prefix,
        registry,
        retry: { attempts: 5, initialMs: 10, maxMs: 10 },
        poisonAttempts: 3,
        topics: ['video.transcode-failed'] as const,
        handlers: {
          'video.transcode-failed': async (m) => {
            if (m.videoId === poison?.videoId) {
              poisonCalls++;
              throw new TypeError(`Cannot read properties of undefined (reading 'jobId') #${poisonCalls}`);
            }
            handled.push(m.videoId);
          },
        },
        onParked: {
          'video.transcode-failed': async (m, ctx, error) => {
            parked.push({ videoId: m.videoId, offset: ctx.offset, error });
          },
        },
      });
      await producer.send('video.transcode-failed', [before, poison, after] as MessageOf<'video.transcode-failed'>[]);

      await waitFor('the message after the poison one', () => handled.length === 2);
      expect(handled).toEqual([before?.videoId, after?.videoId]);
      await waitFor('all three committed', async () => (await committedTotal(groupId, topic)) === 3);
      expect(poisonCalls).toBe(3);
      expect(parked).toHaveLength(1);
      expect(parked[0]?.videoId).toBe(poison?.videoId);
      expect(parked[0]?.offset).toBe('1');
      expect(String(parked[0]?.error)).toBe("TypeError: Cannot read properties of undefined (reading 'jobId') #3");

      const [dlq] = await readTopic(`${topic}.dlq`, 1);
      expect(dlq?.key?.toString()).toBe(poison?.videoId);
      expect(JSON.parse(dlq?.value?.toString() ?? '')).toEqual(poison);
      expect(header(dlq, 'content-type')).toBe('application/json');
      expect(header(dlq, 'x-dlq-reason')).toBe(
        "handler failed 3 times: TypeError: Cannot read properties of undefined (reading 'jobId') #3",
      );
      expect(header(dlq, 'x-dlq-reason-kind')).toBe('handler-failed');
      expect(header(dlq, 'x-dlq-error-class')).toBe('TypeError');
      expect(header(dlq, 'x-dlq-attempts')).toBe('3');
      expect(header(dlq, 'x-original-topic')).toBe(topic);
      expect(header(dlq, 'x-original-partition')).toBe('0');
      expect(header(dlq, 'x-original-offset')).toBe('1');
      expect(await topicSize(`${topic}.dlq`)).toBe(1);

      const text = await registry.metrics();
      expect(text).toContain(
        'reelforge_kafka_dlq_messages_total{topic="video.transcode-failed",reason="handler-failed"} 1',
      );
      expect(text).toContain(
        'reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="parked"} 1',
      );
      expect(text).toContain('reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="ok"} 2');
    });

    it('never parks a message for transient errors, however many, and commits it once the handler succeeds', async () => {
      const { prefix, producer } = await topicsFor(['video.transcode-failed'], 1);
      const registry = new Registry();
      const groupId = uniqueName('g');
      const topic = `${prefix}video.transcode-failed`;
      let calls = 0;
      const handled: string[] = [];
      const parked: string[] = [];
      await consume({
        groupId,
        topicPrefix: prefix,
        registry,
        // Two calls per delivery: the seven failures span four deliveries, well past the parking limit of 2.
        retry: { attempts: 2, initialMs: 10, maxMs: 10 },
        poisonAttempts: 2,
        topics: ['video.transcode-failed'] as const,
        handlers: {
          'video.transcode-failed': async (m) => {
            calls++;
            if (calls <= 7) throw new Error('query failed', { cause: connectionReset() });
            handled.push(m.videoId);
          },
        },
        onParked: {
          'video.transcode-failed': async (m) => {
            parked.push(m.videoId);
          },
        },
      });
      const message = failed();
      await producer.send('video.transcode-failed', [message]);

      await waitFor('the success', () => handled.length === 1);
      await waitFor('the commit', async () => (await committedTotal(groupId, topic)) === 1);
      expect(calls).toBe(8);
      expect(handled).toEqual([message.videoId]);
      expect(parked).toEqual([]);
      expect(await topicSize(`${topic}.dlq`)).toBe(0);
      const text = await registry.metrics();
      expect(text).toContain(
        'reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="failed"} 3',
      );
      expect(text).toContain(
        'reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="retried"} 1',
      );
      expect(text).not.toContain('outcome="parked"');
    });

    it('counts failures across redeliveries (kafkajs restarting the consumer), and parks after N in total', async () => {
      const { prefix, producer } = await topicsFor(['video.transcode-failed'], 1);
      const registry = new Registry();
      const groupId = uniqueName('g');
      const topic = `${prefix}video.transcode-failed`;
      const poison = failed();
      const next = failed();
      let poisonCalls = 0;
      const handled: string[] = [];
      const parked: string[] = [];
      await consume({
        groupId,
        topicPrefix: prefix,
        registry,
        // Two calls per delivery, five failures to park: deliveries 1 and 2 give up, delivery 3 parks.
        retry: { attempts: 2, initialMs: 10, maxMs: 10 },
        poisonAttempts: 5,
        topics: ['video.transcode-failed'] as const,
        handlers: {
          'video.transcode-failed': async (m) => {
            if (m.videoId === poison.videoId) {
              poisonCalls++;
              throw new AppError('CONFLICT', `job cannot move from succeeded to running (${poisonCalls})`);
            }
            handled.push(m.videoId);
          },
        },
        onParked: {
          'video.transcode-failed': async (m) => {
            parked.push(m.videoId);
          },
        },
      });
      await producer.send('video.transcode-failed', [poison, next]);

      await waitFor('the next message', () => handled.length === 1);
      await waitFor('both committed', async () => (await committedTotal(groupId, topic)) === 2);
      expect(poisonCalls).toBe(5);
      expect(parked).toEqual([poison.videoId]);
      const [dlq] = await readTopic(`${topic}.dlq`, 1);
      expect(header(dlq, 'x-dlq-attempts')).toBe('5');
      expect(header(dlq, 'x-dlq-error-code')).toBe('CONFLICT');
      expect(header(dlq, 'x-dlq-error-message')).toBe('job cannot move from succeeded to running (5)');
      const text = await registry.metrics();
      // Each delivery given up was a HandlerFailedError, on which kafkajs restarts the consumer and fetches again.
      expect(text).toContain(
        'reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="failed"} 2',
      );
      expect(text).toContain(
        'reelforge_kafka_messages_consumed_total{topic="video.transcode-failed",outcome="parked"} 1',
      );
    });

    it('runs a hook that failed transiently again on redelivery, without calling the handler or parking twice', async () => {
      const { prefix, producer } = await topicsFor(['video.transcode-failed'], 1);
      const groupId = uniqueName('g');
      const topic = `${prefix}video.transcode-failed`;
      let handlerCalls = 0;
      let hookCalls = 0;
      await consume({
        groupId,
        topicPrefix: prefix,
        retry: { attempts: 2, initialMs: 10, maxMs: 10 },
        poisonAttempts: 2,
        topics: ['video.transcode-failed'] as const,
        handlers: {
          'video.transcode-failed': async () => {
            handlerCalls++;
            throw new TypeError('bug');
          },
        },
        onParked: {
          'video.transcode-failed': async () => {
            hookCalls++;
            // The database is away for the whole first delivery and the start of the second.
            if (hookCalls <= 3) throw connectionReset();
          },
        },
      });
      await producer.send('video.transcode-failed', [failed()]);

      await waitFor('the commit', async () => (await committedTotal(groupId, topic)) === 1);
      expect(hookCalls).toBe(4);
      expect(handlerCalls).toBe(2);
      expect(await topicSize(`${topic}.dlq`)).toBe(1);
    });

    it('parks in a concurrent lane without holding up the other keys, and commits past it', async () => {
      const { prefix, producer } = await topicsFor(['video.transcode-progress'], 1);
      const groupId = uniqueName('g');
      const topic = `${prefix}video.transcode-progress`;
      const sent = Array.from({ length: 8 }, (_, i) => progress(i * 10));
      const poison = sent[2]?.videoId;
      const handled: string[] = [];
      await consume({
        groupId,
        topicPrefix: prefix,
        concurrencyPerPartition: 3,
        retry: { attempts: 2, initialMs: 10, maxMs: 10 },
        poisonAttempts: 2,
        topics: ['video.transcode-progress'] as const,
        handlers: {
          'video.transcode-progress': async (m) => {
            if (m.videoId === poison) throw new RangeError('percent out of range');
            handled.push(m.videoId);
          },
        },
      });
      await producer.send('video.transcode-progress', sent);

      await waitFor('everything committed', async () => (await committedTotal(groupId, topic)) === 8);
      expect([...handled].sort()).toEqual(
        sent
          .map((m) => m.videoId)
          .filter((id) => id !== poison)
          .sort(),
      );
      const [dlq] = await readTopic(`${topic}.dlq`, 1);
      expect(dlq?.key?.toString()).toBe(poison);
      expect(header(dlq, 'x-dlq-error-class')).toBe('RangeError');
    });
  });
});
