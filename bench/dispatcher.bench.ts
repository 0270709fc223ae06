// Dispatcher throughput: N `video.uploaded` messages (with their video rows) through the real dispatcher process
// with the no-op launcher (its testing entry with TEST_LAUNCHER=noop), so what is measured is the dispatcher and what it stands on — the
// transaction queueing the video and creating the job claimed for launch, the running/processing transaction (each
// batched over the messages in hand), and @reelforge/kafka's consumer. Target: ≥ 2,000 messages/s and 0 duplicates (jobs per
// (video, attempt), launches per job).
//
//   ./reelforge up                                    # the local stack
//   pnpm turbo run build --filter @reelforge/bench...
//   node bench/dispatcher.bench.ts [--messages 10000] [--partitions 12] [--concurrency 12]
//                                  [--message-concurrency 64] [--replicas 1]
//
// Three numbers, to tell where the time goes:
//   pipeline — the service process consuming the topic (messages produced before it starts; the rate is taken
//              between the first job created and the last task started, from MySQL, so start-up is not in it);
//   handler  — the same DispatchService driven in-process by concurrency × message-concurrency callers, no Kafka:
//              the dispatcher's own MySQL work per message;
//   consumer — @reelforge/kafka's startConsumer on the same kind of topic with an empty handler: the ceiling any
//              consumer has here, whatever its handler does.
// It makes its own database and topics (as the tests do) and drops the database afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { VideoUploadedV1 } from '@reelforge/contracts';
import {
  createDb,
  type Database,
  JobRepository,
  type Kysely,
  migrateToLatest,
  OutboxRepository,
  VideoRepository,
} from '@reelforge/db';
import { DispatchService, dispatcherMetrics, LaunchSlots, NoopLauncher } from '@reelforge/dispatcher';
import { createKafka, startConsumer } from '@reelforge/kafka';
import { createRegistry } from '@reelforge/observability';
import { createTestDatabase, createTestTopics, freePort, stackEnv } from '@reelforge/testkit';
import { pino } from 'pino';

const root = new URL('..', import.meta.url);
const localEnv = new URL('.reelforge/local.env', root);
if (existsSync(localEnv)) process.loadEnvFile(localEnv);

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    partitions: { type: 'string', default: '12' },
    concurrency: { type: 'string', default: '12' },
    // Messages of different keys handled at once within a partition (CONSUMER_MESSAGE_CONCURRENCY).
    'message-concurrency': { type: 'string', default: '64' },
    replicas: { type: 'string', default: '1' },
    'consumer-messages': { type: 'string', default: '2000' },
  },
});
const N = Number(args.messages);
const PARTITIONS = Number(args.partitions);
const CONCURRENCY = Number(args.concurrency);
const MESSAGE_CONCURRENCY = Number(args['message-concurrency']);
const REPLICAS = Number(args.replicas);
const CONSUMER_N = Number(args['consumer-messages']);
const TARGET = 2000;

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const count = async (q: Promise<{ n: number | string | bigint }>) => Number((await q).n);

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`dispatcher exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

/** Sums of a series over its labels, from a replica's /metrics. */
async function scrape(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (series: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${series}{`) || l.startsWith(`${series} `))
      .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  return {
    launches: sum('reelforge_task_launches_total'),
    handlerSeconds: sum('reelforge_kafka_handler_duration_seconds_sum'),
    handled: sum('reelforge_kafka_handler_duration_seconds_count'),
  };
}

/** `n` uploaded videos, as upload-api leaves them, and their messages. */
async function uploadedVideos(db: Kysely<Database>, ownerId: string, n: number): Promise<VideoUploadedV1[]> {
  const now = new Date();
  const messages: VideoUploadedV1[] = [];
  for (let i = 0; i < n; i += 1000) {
    const ids = Array.from({ length: Math.min(1000, n - i) }, () => randomUUID());
    const rows = ids.map((id) => ({
      id,
      ownerId,
      title: 'bench',
      description: null,
      visibility: 'private' as const,
      status: 'uploaded' as const,
      attempt: 1,
      sourceBucket: 'raw',
      sourceKey: `sources/${id}/original`,
      sourceBytes: 1000,
      sourceSha256: randomBytes(32).toString('hex'),
      contentType: 'video/mp4',
      originalFilename: null,
      multipartUploadId: null,
      uploadExpiresAt: null,
      durationSec: null,
      width: null,
      height: null,
      progressPct: 0,
      errorCode: null,
      errorMessage: null,
      hlsMasterKey: null,
      posterKey: null,
      spriteKey: null,
      vttKey: null,
      createdAt: now,
      updatedAt: now,
      readyAt: null,
    }));
    await db.insertInto('videos').values(rows).execute();
    for (const r of rows) {
      messages.push({
        version: 1,
        videoId: r.id,
        attempt: 1,
        source: { bucket: r.sourceBucket, key: r.sourceKey },
        bytes: r.sourceBytes,
        sha256: r.sourceSha256,
        contentType: r.contentType,
        ownerId,
        uploadedAt: now.toISOString(),
      });
    }
  }
  return messages;
}

const env = await stackEnv();
const testDb = await createTestDatabase();
const db = createDb({ url: testDb.url, poolSize: CONCURRENCY + 4 });
const kafka = createKafka({
  brokers: env.KAFKA_BROKERS.split(','),
  clientId: 'dispatcher-bench',
  logger: pino({ level: 'silent' }),
});
const dispatchers: { child: ChildProcess; port: number }[] = [];
try {
  await migrateToLatest(db);
  const ownerId = randomUUID();
  await db
    .insertInto('users')
    .values({ id: ownerId, email: `${ownerId}@bench`, passwordHash: 'x', displayName: 'bench', createdAt: new Date() })
    .execute();

  // --- pipeline: the service process ----------------------------------------------------------------------------
  const { prefix } = await createTestTopics(
    ['video.uploaded', 'video.uploaded.dlq', 'video.transcode-started', 'video.transcode-started.dlq'],
    PARTITIONS,
  );
  log(`pipeline: ${N} uploaded videos, their messages on ${PARTITIONS} partitions`);
  const messages = await uploadedVideos(db, ownerId, N);
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < N; i += 1000) {
    await producer.send({
      topic: `${prefix}video.uploaded`,
      acks: -1,
      messages: messages.slice(i, i + 1000).map((m) => ({ key: m.videoId, value: JSON.stringify(m) })),
    });
  }

  log(
    `pipeline: ${REPLICAS} dispatcher process(es), TEST_LAUNCHER=noop, CONSUMER_CONCURRENCY=${CONCURRENCY}, CONSUMER_MESSAGE_CONCURRENCY=${MESSAGE_CONCURRENCY}`,
  );
  const started = performance.now();
  for (let r = 0; r < REPLICAS; r++) {
    const port = await freePort();
    // The production wiring (startDispatcher) with the no-op launcher, which no production setting selects.
    const entry = new URL('services/dispatcher/src/testing/dispatcher.test-main.ts', root).pathname;
    const child = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        MYSQL_URL: testDb.url,
        MYSQL_POOL_SIZE: String(CONCURRENCY + 4),
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        KAFKA_TOPIC_PREFIX: prefix,
        CONSUMER_GROUP: `${prefix}dispatcher`,
        CONSUMER_CONCURRENCY: String(CONCURRENCY),
        CONSUMER_MESSAGE_CONCURRENCY: String(MESSAGE_CONCURRENCY),
        TEST_LAUNCHER: 'noop',
        ENSURE_TOPICS: 'false',
        OPS_PORT: String(port),
        // At info, as in production: three lines per message.
        LOG_LEVEL: 'info',
        REAPER_INTERVAL_SEC: '3600',
        PROCESSED_BUCKET: 'processed',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    dispatchers.push({ child, port });
    await waitHealthy(`http://127.0.0.1:${port}/healthz`, child);
  }
  const runningJobs = () =>
    count(
      db
        .selectFrom('transcodeJobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'running')
        .executeTakeFirstOrThrow(),
    );
  while ((await runningJobs()) < N) {
    if (performance.now() - started > 600_000) throw new Error('not all running after 10 minutes');
    await new Promise((r) => setTimeout(r, 250));
  }
  const wallSec = (performance.now() - started) / 1000;
  const span = await db
    .selectFrom('transcodeJobs')
    .select((eb) => [eb.fn.min('createdAt').as('first'), eb.fn.max('startedAt').as('last')])
    .executeTakeFirstOrThrow();
  const spanSec = (new Date(span.last as Date).getTime() - new Date(span.first as Date).getTime()) / 1000;
  const jobs = await count(
    db
      .selectFrom('transcodeJobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  );
  const duplicateJobs = (
    await db
      .selectFrom('transcodeJobs')
      .select(['videoId', 'attempt'])
      .groupBy(['videoId', 'attempt'])
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute()
  ).length;
  const processing = await count(
    db
      .selectFrom('videos')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'processing')
      .executeTakeFirstOrThrow(),
  );
  let launches = 0;
  let handlerSeconds = 0;
  let handled = 0;
  for (const d of dispatchers) {
    const m = await scrape(d.port);
    launches += m.launches ?? 0;
    handlerSeconds += m.handlerSeconds ?? 0;
    handled += m.handled ?? 0;
  }
  for (const { child } of dispatchers) child.kill('SIGTERM');

  // --- handler: DispatchService in-process, no Kafka ------------------------------------------------------------
  // As many callers as the service has messages in hand (partitions × messages per partition), so it batches alike.
  const callers = CONCURRENCY * MESSAGE_CONCURRENCY;
  log(`handler: ${N} more videos through DispatchService with ${callers} concurrent callers`);
  const direct = await uploadedVideos(db, ownerId, N);
  const service = new DispatchService({
    db,
    videos: new VideoRepository(db),
    jobs: new JobRepository(db),
    outbox: new OutboxRepository(db),
    launcher: new NoopLauncher(),
    slots: new LaunchSlots(Number.POSITIVE_INFINITY),
    metrics: dispatcherMetrics(createRegistry('bench')),
    logger: pino({ level: 'info' }, pino.destination('/dev/null')),
    processedBucket: 'processed',
    deadline: { factor: 3, startupSec: 600, defaultDurationSec: 3600 },
    recoverAfterSec: 60,
    maxRunningTasks: Number.POSITIVE_INFINITY,
    capacityWait: { baseMs: 10_000, capMs: 300_000 },
  });
  let next = 0;
  const handlerStarted = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < direct.length) {
        const m = direct[next++];
        if (m) await service.handleUploaded(m);
      }
    }),
  );
  const handlerRate = N / ((performance.now() - handlerStarted) / 1000);

  // --- consumer: startConsumer with an empty handler ------------------------------------------------------------
  log(`consumer: ${CONSUMER_N} messages through startConsumer with an empty handler`);
  const ceiling = await createTestTopics(['video.uploaded', 'video.uploaded.dlq'], PARTITIONS);
  const sample = messages.slice(0, CONSUMER_N);
  for (let i = 0; i < sample.length; i += 1000) {
    await producer.send({
      topic: `${ceiling.prefix}video.uploaded`,
      acks: -1,
      messages: sample.slice(i, i + 1000).map((m) => ({ key: m.videoId, value: JSON.stringify(m) })),
    });
  }
  await producer.disconnect();
  let consumed = 0;
  let firstAt = 0;
  let allConsumed: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allConsumed = resolve;
  });
  const consumer = await startConsumer({
    kafka,
    groupId: `${ceiling.prefix}empty`,
    topics: ['video.uploaded'],
    topicPrefix: ceiling.prefix,
    logger: pino({ level: 'silent' }),
    partitionsConsumedConcurrently: CONCURRENCY,
    concurrencyPerPartition: MESSAGE_CONCURRENCY,
    handlers: {
      'video.uploaded': async () => {
        if (consumed === 0) firstAt = performance.now();
        if (++consumed === sample.length) allConsumed();
      },
    },
  });
  await done;
  const consumerRate = sample.length / ((performance.now() - firstAt) / 1000);
  await consumer.stop();

  const rate = N / spanSec;
  const cpu = cpus();
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString().slice(0, 10),
        machine: `${cpu[0]?.model.trim()} × ${cpu.length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`,
        messages: N,
        partitions: PARTITIONS,
        consumerConcurrency: CONCURRENCY,
        messageConcurrency: MESSAGE_CONCURRENCY,
        loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
        replicas: REPLICAS,
        pipeline: {
          messagesPerSec: Math.round(rate),
          processingSec: Number(spanSec.toFixed(1)),
          wallSecIncludingStartup: Number(wallSec.toFixed(1)),
          handlerMeanMs: Number(((handlerSeconds / Math.max(1, handled)) * 1000).toFixed(1)),
          jobs,
          videosProcessing: processing,
          launches,
          duplicateJobs,
          duplicateLaunches: launches - jobs,
        },
        handlerOnlyMessagesPerSec: Math.round(handlerRate),
        emptyHandlerConsumerMessagesPerSec: Math.round(consumerRate),
        target: `≥ ${TARGET}/s and 0 duplicates`,
        met: rate >= TARGET && duplicateJobs === 0 && launches === jobs && jobs === N,
      },
      null,
      2,
    ),
  );
} finally {
  await Promise.all(
    dispatchers.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await db.destroy();
  await testDb.drop();
}
