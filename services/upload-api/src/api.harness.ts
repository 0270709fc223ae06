// What the upload API's integration tests share: an app on the test file's own database, buckets and topics, a
// real ffmpeg clip, multipart bodies, accounts, and a Kafka reader. Not part of the build.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { createDb, type Database, type Kysely, migrateToLatest, pingDb } from '@reelforge/db';
import { createEventProducer, createKafka, type EventProducer } from '@reelforge/kafka';
import { createLogger, createRegistry } from '@reelforge/observability';
import { OutboxRelay } from '@reelforge/outbox';
import { createS3Client, getStream, listKeys } from '@reelforge/storage';
import { createTestBuckets, createTestDatabase, createTestTopics, stackEnv } from '@reelforge/testkit';
import type { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { Registry } from 'prom-client';
import { type AppConfig, buildApp } from './app.js';
import { placeholderConfig } from './openapi.document.js';

const run = promisify(execFile);

export type App = Awaited<ReturnType<typeof buildApp>>;

export interface Harness {
  app: App;
  db: Kysely<Database>;
  s3: ReturnType<typeof createS3Client>;
  raw: string;
  processed: string;
  topicPrefix: string;
  brokers: string[];
  registry: Registry;
  config: AppConfig;
  /** A relay on this file's topics; pass a producer to point it elsewhere (a dead broker). */
  relay(producer?: EventProducer, opts?: { batchSize?: number }): OutboxRelay;
  producer(brokers?: string[]): EventProducer;
  close(): Promise<void>;
}

const logger = createLogger({ service: 'upload-api-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startHarness(config: Partial<AppConfig> = {}, deps: { redis?: Redis } = {}): Promise<Harness> {
  const env = await stackEnv();
  const [database, buckets, topics] = await Promise.all([
    createTestDatabase(),
    createTestBuckets('raw', 'processed'),
    createTestTopics(['video.uploaded', 'video.status-changed']),
  ]);
  const db = createDb({ url: database.url, poolSize: 5 });
  await migrateToLatest(db);
  const s3 = createS3Client({ region: env.AWS_REGION, endpoint: env.S3_ENDPOINT });
  const registry = createRegistry('upload-api-test');
  const fullConfig: AppConfig = {
    ...placeholderConfig,
    rawBucket: buckets.raw,
    processedBucket: buckets.processed,
    ...config,
  };
  const brokers = env.KAFKA_BROKERS.split(',');
  const app = await buildApp({
    config: fullConfig,
    logger,
    registry,
    db,
    s3,
    redis: deps.redis,
    readiness: {
      mysql: () => pingDb(db),
      s3: async () => void (await s3.send(new HeadBucketCommand({ Bucket: buckets.raw }))),
    },
  });
  const producers: EventProducer[] = [];
  const relays: OutboxRelay[] = [];
  const producer = (list = brokers) => {
    // No retries against a dead broker: the test wants the failure now, not after kafkajs' half-minute backoff.
    const kafka =
      list === brokers
        ? createKafka({ brokers: list, clientId: 'upload-api-test', logger, logLevel: 'error' })
        : new Kafka({
            brokers: list,
            logLevel: logLevel.NOTHING,
            connectionTimeout: 300,
            retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
          });
    const p = createEventProducer(kafka, { topicPrefix: topics.prefix });
    producers.push(p);
    return p;
  };
  return {
    app,
    db,
    s3,
    raw: buckets.raw,
    processed: buckets.processed,
    topicPrefix: topics.prefix,
    brokers,
    registry,
    config: fullConfig,
    producer,
    relay: (p, opts = {}) => {
      const relay = new OutboxRelay({
        db,
        producer: p ?? producer(),
        logger,
        registry,
        options: { pollMs: 100, ...opts },
      });
      relays.push(relay);
      return relay;
    },
    close: async () => {
      await Promise.all(relays.map((r) => r.stop()));
      await Promise.all(producers.map((p) => p.disconnect().catch(() => {})));
      await app.close();
      await db.destroy();
      await database.drop();
    },
  };
}

/** A one-second 320x240 H.264 MP4 made by ffmpeg, read into memory (it is ~20 KB). */
export async function testVideo(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-upload-'));
  const out = join(dir, 'clip.mp4');
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
    ...['-t', '1', '-pix_fmt', 'yuv420p', out],
  ]);
  return readFile(out);
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export type FormPart = { name: string; value: string } | { name: string; filename: string; content: Buffer };

/** A multipart/form-data body with the parts in the order given. */
export function multipart(
  parts: FormPart[],
  boundary = 'rf-boundary-7d1f',
): { payload: Buffer; headers: Record<string, string> } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('value' in part) {
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        ),
        part.content,
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export async function register(
  app: App,
  email: string,
  extra: { displayName?: string } = {},
): Promise<{ token: string; userId: string; auth: { authorization: string } }> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password: 'a long enough password', ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`register ${email}: ${res.statusCode} ${res.body}`);
  const { token } = res.json() as { token: string };
  const { sub } = app.jwt.decode<{ sub: string }>(token) as { sub: string };
  return { token, userId: sub, auth: { authorization: `Bearer ${token}` } };
}

export async function objectSha256(h: Pick<Harness, 's3'>, bucket: string, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of (await getStream(h.s3, { bucket, key })) as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What exists anywhere a refused upload could have left something. */
export async function footprint(h: Harness): Promise<{ videos: number; outbox: number; objects: string[] }> {
  const count = async (table: 'videos' | 'outbox') =>
    Number(
      (
        await h.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { videos: await count('videos'), outbox: await count('outbox'), objects: await listKeys(h.s3, h.raw, '') };
}

export interface ReadMessage {
  key: string | null;
  value: string;
}

/** Reads the topic from the beginning until `done` says so or `timeoutMs` passes; returns what it read. */
export async function readTopic(
  h: Pick<Harness, 'brokers'>,
  topic: string,
  done: (messages: ReadMessage[]) => boolean,
  timeoutMs = 20_000,
): Promise<ReadMessage[]> {
  const kafka = new Kafka({ brokers: h.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${Math.random().toString(36).slice(2)}` });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '' });
          if (done(messages)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
