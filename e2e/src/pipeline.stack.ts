// One isolated Reelforge on the local stack for a test file: its own topics, database and buckets, and the real
// upload-api (which runs the outbox relay), dispatcher (local child-process launcher) and completion service started
// against them with short intervals, and the playback edge serving the processed bucket as the API's CDN, plus what
// the tests need to drive and inspect it.
import { topicNames, type Video } from '@reelforge/contracts';
import { createDb, type Database, type Kysely, migrateToLatest } from '@reelforge/db';
import { createKafka, ensureTopics } from '@reelforge/kafka';
import { createTestBuckets, createTestDatabase, createTestTopics, freePort, stackEnv } from '@reelforge/testkit';
import type { Admin, Producer } from 'kafkajs';
import { pino } from 'pino';
import { expect } from 'vitest';
import { ApiClient } from './api.client.js';
import { eventually } from './eventually.js';
import { ServiceProcess } from './service.process.js';

/** Signs private videos' playback URLs in these tests (the edge verifies with the same). */
export const PLAYBACK_SECRET = 'e2e-playback-secret-0123456789-0123456789';
export const SESSION_SECRET = 'e2e-session-secret-0123456789-0123456789';

export { eventually };

export type ServiceName =
  | 'upload-api'
  | 'dispatcher'
  | 'completion'
  | 'events-ingest'
  | 'events-lake'
  | 'playback-edge'
  | 'notifier'
  | 'engagement-metrics'
  | 'recommender';

const entries: Record<ServiceName, string> = {
  'upload-api': 'services/upload-api/dist/main.js',
  dispatcher: 'services/dispatcher/dist/main.js',
  completion: 'services/completion/dist/main.js',
  'events-ingest': 'services/events-ingest/dist/main.js',
  'events-lake': 'services/events-lake/dist/main.js',
  'engagement-metrics': 'services/engagement-metrics/dist/main.js',
  recommender: 'services/recommender/dist/main.js',
  'playback-edge': 'services/playback-edge/dist/main.js',
  notifier: 'services/notifier/dist/main.js',
};

/** The dispatcher with its test seams (TEST_CRASH_AFTER_JOB_CREATED, TEST_LAUNCHER), run from source. */
export const dispatcherWithSeams = 'services/dispatcher/src/testing/dispatcher.test-main.ts';

// Every topic of the catalog: a service that subscribes to one the test did not create fails to start (topics are
// not auto-created), and a list kept here would drift from the contracts.
const pipelineTopics = topicNames;

export class Pipeline {
  /** Every process started, restarts included, in order: a video's launches are counted over all of them. */
  readonly started: ServiceProcess[] = [];
  readonly current = new Map<ServiceName, ServiceProcess>();
  apiUrl = '';
  eventsUrl = '';
  private readonly ports = new Map<ServiceName, number>();
  private readonly admin: Admin;
  private readonly producer: Producer;

  private constructor(
    readonly prefix: string,
    readonly db: Kysely<Database>,
    private readonly baseEnv: Record<string, string>,
    kafka: ReturnType<typeof createKafka>,
    private readonly cleanup: () => Promise<void>,
  ) {
    this.admin = kafka.admin();
    this.producer = kafka.producer();
  }

  static async create(): Promise<Pipeline> {
    const env = await stackEnv();
    const { prefix } = await createTestTopics(pipelineTopics, 3);
    const kafka = createKafka({
      brokers: env.KAFKA_BROKERS.split(','),
      clientId: 'e2e',
      logger: pino({ level: 'silent' }),
    });
    await ensureTopics(kafka, { topicPrefix: prefix, partitions: 3, replicationFactor: 1, topics: pipelineTopics });
    const testDb = await createTestDatabase();
    const db = createDb({ url: testDb.url, poolSize: 4 });
    await migrateToLatest(db);
    const buckets = await createTestBuckets('raw', 'processed', 'lake');
    buckets.s3.destroy();

    const baseEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: '3',
      MYSQL_URL: testDb.url,
      MYSQL_POOL_SIZE: '4',
      AWS_REGION: env.AWS_REGION,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
      S3_ENDPOINT: env.S3_ENDPOINT,
      S3_FORCE_PATH_STYLE: 'true',
      RAW_BUCKET: buckets.raw,
      PROCESSED_BUCKET: buckets.processed,
      LAKE_BUCKET: buckets.lake,
      // One x264 thread per rung: the tests run beside each other on a shared machine.
      FFMPEG_THREADS: '1',
    };
    const pipeline = new Pipeline(prefix, db, baseEnv, kafka, async () => {
      await db.destroy();
      await testDb.drop();
    });
    await Promise.all([pipeline.admin.connect(), pipeline.producer.connect()]);
    return pipeline;
  }

  /** Where the object store listens and the bucket the transcoders write to (for tests that go around the edge). */
  get store(): { endpoint: string; processedBucket: string; lakeBucket: string } {
    return {
      endpoint: this.baseEnv.S3_ENDPOINT ?? '',
      processedBucket: this.baseEnv.PROCESSED_BUCKET ?? '',
      lakeBucket: this.baseEnv.LAKE_BUCKET ?? '',
    };
  }

  /** Each service's settings for a short test: fast polling, a reaper every second, quick retries. */
  private async envFor(name: ServiceName): Promise<Record<string, string>> {
    const port = await this.portFor(name);
    switch (name) {
      case 'upload-api':
        this.apiUrl = `http://127.0.0.1:${port}`;
        return {
          PORT: String(port),
          HOST: '127.0.0.1',
          JWT_SECRET: 'e2e-secret-0123456789-0123456789-0123456789',
          PLAYBACK_TOKEN_SECRETS: PLAYBACK_SECRET,
          PLAYBACK_SESSION_SECRETS: SESSION_SECRET,
          OUTBOX_POLL_MS: '100',
          SHUTDOWN_GRACE_MS: '5000',
          // As `./reelforge up` does: the playback edge as the CDN (start it too), so HLS is playable end to end.
          CDN_BASE_URL: `http://127.0.0.1:${await this.portFor('playback-edge')}`,
          // Webhook receivers of the tests listen on loopback, as `./reelforge up` allows.
          WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8',
        };
      case 'dispatcher':
        return {
          OPS_PORT: String(port),
          TASK_LAUNCHER: 'local',
          LOCAL_MAX_CONCURRENCY: '2',
          CONSUMER_GROUP: `${this.prefix}dispatcher`,
          // A killed dispatcher's partitions go to its successor within seconds, not the default 30 s.
          CONSUMER_SESSION_TIMEOUT_MS: '6000',
          CONSUMER_HEARTBEAT_MS: '1000',
          ENSURE_TOPICS: 'false',
          REAPER_INTERVAL_SEC: '1',
          TASK_STOPPED_GRACE_SEC: '2',
          RECOVER_AFTER_SEC: '2',
          JOB_DEADLINE_DEFAULT_DURATION_SEC: '60',
          JOB_DEADLINE_STARTUP_SEC: '60',
          SHUTDOWN_GRACE_MS: '8000',
        };
      case 'completion':
        return {
          OPS_PORT: String(port),
          CONSUMER_GROUP: `${this.prefix}completion`,
          MAX_ATTEMPTS: '3',
          RETRY_BASE_SEC: '0.5',
          RETRY_MAX_SEC: '1',
          SHUTDOWN_GRACE_MS: '5000',
        };
      case 'events-ingest':
        this.eventsUrl = `http://127.0.0.1:${port}`;
        return {
          PORT: String(port),
          HOST: '127.0.0.1',
          ENSURE_TOPICS: 'false',
          SHUTDOWN_GRACE_MS: '5000',
          PLAYBACK_SESSION_SECRETS: SESSION_SECRET,
        };
      case 'events-lake':
        return {
          OPS_PORT: String(port),
          CONSUMER_GROUP: `${this.prefix}events-lake`,
          ENSURE_TOPICS: 'false',
          // A quiet partition's chunk is written a second after its last event, not a minute.
          FLUSH_IDLE_SEC: '1',
          DUCKDB_THREADS: '1',
          SHUTDOWN_GRACE_MS: '5000',
        };
      case 'notifier':
        return {
          OPS_PORT: String(port),
          CONSUMER_GROUP: `${this.prefix}notifier`,
          WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8',
          API_BASE_URL: `http://127.0.0.1:${await this.portFor('upload-api')}`,
          CDN_BASE_URL: `http://127.0.0.1:${await this.portFor('playback-edge')}`,
          DELIVERY_POLL_MS: '100',
          // Retries within seconds; a killed notifier's claims come back after the short lease.
          WEBHOOK_RETRY_BASE_SEC: '0.5',
          WEBHOOK_RETRY_MAX_SEC: '1',
          WEBHOOK_TIMEOUT_MS: '3000',
          DELIVERY_LEASE_SEC: '4',
          SHUTDOWN_GRACE_MS: '5000',
        };
      case 'engagement-metrics':
        return {
          OPS_PORT: String(port),
          CONSUMER_GROUP: `${this.prefix}engagement-metrics`,
          // The topic is the test's own: count all of it, not only what arrives after the group is formed.
          CONSUMER_FROM_BEGINNING: 'true',
          ENSURE_TOPICS: 'false',
          SHUTDOWN_GRACE_MS: '5000',
        };
      case 'recommender':
        return {
          OPS_PORT: String(port),
          // One build at start-up is what a test waits for.
          BUILD_INTERVAL_SEC: '3600',
          DUCKDB_THREADS: '1',
          SHUTDOWN_GRACE_MS: '5000',
        };
      case 'playback-edge':
        return {
          PORT: String(port),
          HOST: '127.0.0.1',
          SHUTDOWN_GRACE_MS: '5000',
          PLAYBACK_TOKEN_SECRETS: PLAYBACK_SECRET,
        };
    }
  }

  /** A service's port, chosen once: a restarted service, and links made before it started, keep it. */
  private async portFor(name: ServiceName): Promise<number> {
    let port = this.ports.get(name);
    if (port === undefined) {
      port = await freePort();
      this.ports.set(name, port);
    }
    return port;
  }

  /** `entry` replaces the service's dist/main.js, e.g. with {@link dispatcherWithSeams}. */
  async start(
    name: ServiceName,
    extraEnv: Record<string, string> = {},
    opts: { entry?: string } = {},
  ): Promise<ServiceProcess> {
    if (this.current.get(name)?.running) throw new Error(`${name} is already running`);
    const env = { ...this.baseEnv, ...(await this.envFor(name)), ...extraEnv };
    const port = this.ports.get(name);
    const service = await ServiceProcess.start({
      name,
      entry: opts.entry ?? entries[name],
      env,
      healthUrl: `http://127.0.0.1:${port}/healthz`,
    });
    this.started.push(service);
    this.current.set(name, service);
    return service;
  }

  /** Where a started service listens: the API's HTTP port, the others' ops port (/metrics, /healthz). */
  port(name: ServiceName): number {
    const port = this.ports.get(name);
    if (port === undefined) throw new Error(`${name} has not been started`);
    return port;
  }

  /** Every log line of every incarnation of a service with this message and these fields. */
  logs(name: ServiceName, msg: string, fields: Record<string, unknown> = {}) {
    return this.started.filter((s) => s.name === name).flatMap((s) => s.logs(msg, fields));
  }

  /** Tasks the dispatchers launched for a video, from their `task launched` lines. */
  launches(videoId: string): number {
    return this.logs('dispatcher', 'task launched', { videoId }).length;
  }

  // --- the HTTP API -------------------------------------------------------------------------------------------

  private get api(): ApiClient {
    return new ApiClient(this.apiUrl);
  }

  register(): Promise<string> {
    return this.api.register();
  }

  upload(token: string, file: Buffer, filename: string): Promise<Video> {
    return this.api.upload(token, file, filename);
  }

  video(token: string, id: string): Promise<Video> {
    return this.api.video(token, id);
  }

  update(token: string, id: string, changes: Record<string, unknown>): Promise<Video> {
    return this.api.update(token, id, changes);
  }

  remove(token: string, id: string): Promise<void> {
    return this.api.remove(token, id);
  }

  /** Polls the API until the video is ready or failed. */
  settled(token: string, id: string, timeoutMs = 90_000): Promise<Video> {
    return this.api.settled(token, id, timeoutMs, () =>
      this.started.map((s) => `--- ${s.name}\n${s.tail(15)}`).join('\n'),
    );
  }

  // --- MySQL ----------------------------------------------------------------------------------------------------

  jobs(videoId: string) {
    return this.db.selectFrom('transcodeJobs').selectAll().where('videoId', '=', videoId).orderBy('attempt').execute();
  }

  renditions(videoId: string) {
    return this.db.selectFrom('renditions').selectAll().where('videoId', '=', videoId).orderBy('name').execute();
  }

  videoRow(videoId: string) {
    return this.db.selectFrom('videos').selectAll().where('id', '=', videoId).executeTakeFirstOrThrow();
  }

  // --- Kafka ----------------------------------------------------------------------------------------------------

  /** Publishes a message as it is (a redelivery, a duplicate from a producer retry). */
  async produceRaw(topic: string, key: string, value: string): Promise<void> {
    await this.producer.send({ topic: this.prefix + topic, acks: -1, messages: [{ key, value }] });
  }

  /** Until the service's group has committed every message of the topic: all of them were handled. */
  async caughtUp(
    service: 'dispatcher' | 'completion' | 'events-lake' | 'engagement-metrics',
    topic: string,
    timeoutMs = 60_000,
  ): Promise<void> {
    const full = this.prefix + topic;
    await eventually(
      `${service} caught up on ${topic}`,
      async () => {
        const ends = await this.admin.fetchTopicOffsets(full);
        const [committed] = await this.admin.fetchOffsets({ groupId: `${this.prefix}${service}`, topics: [full] });
        return ends.every((end) => {
          const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          return end.high === '0' || at === end.high;
        })
          ? true
          : null;
      },
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.current.values()].map((s) => s.stop()));
    await Promise.allSettled([this.admin.disconnect(), this.producer.disconnect()]);
    await this.cleanup();
  }
}

/** One rendition row per name, all of the video's current attempt: no set recorded twice or mixed. */
export async function expectOneRenditionSet(pipeline: Pipeline, videoId: string, attempt: number) {
  const rows = await pipeline.renditions(videoId);
  expect(rows.length).toBeGreaterThan(0);
  expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  expect(rows.every((r) => r.attempt === attempt)).toBe(true);
  return rows;
}
