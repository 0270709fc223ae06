// The dispatcher's wiring: adapters, the video.uploaded and video.transcode-started consumers, the reaper/recovery
// loop, the outbox relay (it writes launch failures and lost tasks there) and the ops server, around a launcher the caller chooses. main.ts passes the one the env names; tests and
// benchmarks pass their own (a no-op launcher, a crash hook) without any of it being reachable from configuration.
import { startPeriodic } from '@reelforge/core';
import {
  createDb,
  isTransientMysqlError,
  JobRepository,
  OutboxRepository,
  PartRepository,
  pingDb,
  type TranscodeJob,
  VideoRepository,
} from '@reelforge/db';
import { ensureTopics, isTransientFailure, kafkaFromEnv, type RunningConsumer, startConsumer } from '@reelforge/kafka';
import { createRegistry, startOpsServer } from '@reelforge/observability';
import { outboxRelayFromEnv } from '@reelforge/outbox';
import type { Logger } from 'pino';
import { ChunkService } from './chunk.service.js';
import { startDispatchConsumer } from './dispatch.consumer.js';
import { DispatchService } from './dispatch.service.js';
import { dispatcherMetrics } from './dispatcher.metrics.js';
import {
  capacityWaitPolicy,
  chunkingOf,
  type DispatcherEnv,
  deadlinePolicy,
  maxRunningTasks,
  reapGrace,
  taskSizeOf,
} from './env.js';
import { LaunchSlots } from './launch.slots.js';
import type { LauncherChoice } from './launcher.factory.js';
import { ReaperService } from './reaper.service.js';
import { RunningJobsQuery } from './running-jobs.query.js';
import { TranscodeStartedService } from './transcode-started.service.js';

export interface DispatcherDeps {
  env: DispatcherEnv;
  logger: Logger;
  launcher: LauncherChoice;
  /** Runs once a job is committed and before anything is launched (tests crash there). */
  afterJobCreated?: (job: TranscodeJob) => void;
}

export interface RunningDispatcher {
  opsPort: number;
  /** In order: intake first, then the loops, the relay, tasks this process owns, then connections. */
  shutdownSteps: (() => Promise<void>)[];
}

/** The consumer group of `video.transcode-started`: apart from the uploads', which pauses at the launch cap. */
export const startedConsumerGroup = (env: Pick<DispatcherEnv, 'CONSUMER_GROUP'>) =>
  `${env.CONSUMER_GROUP}.transcode-started`;

export async function startDispatcher(deps: DispatcherDeps): Promise<RunningDispatcher> {
  const { env, logger } = deps;
  const { launcher, maxConcurrency } = deps.launcher;
  const registry = createRegistry('dispatcher');
  const metrics = dispatcherMetrics(registry);
  const db = createDb({ url: env.MYSQL_URL, poolSize: env.MYSQL_POOL_SIZE });
  const kafka = kafkaFromEnv(env, logger);
  const videos = new VideoRepository(db);
  const jobs = new JobRepository(db);
  const outbox = new OutboxRepository(db);
  const parts = new PartRepository(db);
  const slots = new LaunchSlots(maxConcurrency);
  const deadline = deadlinePolicy(env);

  const dispatch = new DispatchService({
    db,
    videos,
    jobs,
    outbox,
    launcher,
    slots,
    metrics,
    logger,
    processedBucket: env.PROCESSED_BUCKET,
    deadline,
    recoverAfterSec: env.RECOVER_AFTER_SEC,
    maxRunningTasks: maxRunningTasks(env),
    capacityWait: capacityWaitPolicy(env),
    chunking: chunkingOf(env),
    taskSize: taskSizeOf(env),
    ...(deps.afterJobCreated ? { afterJobCreated: deps.afterJobCreated } : {}),
  });
  const chunks = new ChunkService({
    db,
    videos,
    jobs,
    parts,
    outbox,
    launcher,
    slots,
    metrics,
    logger,
    processedBucket: env.PROCESSED_BUCKET,
    deadline,
    recoverAfterSec: env.RECOVER_AFTER_SEC,
    maxRunningTasks: maxRunningTasks(env),
    capacityWait: capacityWaitPolicy(env),
    maxPartAttempts: env.CHUNK_MAX_ATTEMPTS,
  });
  const reaper = new ReaperService({
    db,
    jobs,
    outbox,
    running: new RunningJobsQuery(db),
    launcher,
    metrics,
    logger: logger.child({ component: 'reaper' }),
    grace: reapGrace(env),
    batchSize: env.REAPER_BATCH_SIZE,
    parts,
    chunks,
  });
  const started = new TranscodeStartedService({ db, videos, jobs, deadline, metrics, chunks });

  const consumers: RunningConsumer[] = [];
  const ops = await startOpsServer({
    port: env.OPS_PORT,
    registry,
    checks: {
      mysql: () => pingDb(db),
      kafka: async () => {
        if (consumers.length < 2 || !consumers.every((c) => c.isRunning())) throw new Error('consumer not running');
      },
    },
  });
  logger.info({ port: ops.port, launcher: launcher.kind, maxConcurrency }, 'ops server listening');

  if (env.ENSURE_TOPICS) {
    await ensureTopics(kafka, {
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
      partitions: env.KAFKA_PARTITIONS,
      replicationFactor: env.KAFKA_REPLICATION_FACTOR,
      // Consumed, and written through the outbox (launch failures, lost tasks, chunked jobs' progress).
      topics: [
        'video.uploaded',
        'video.transcode-started',
        'video.transcode-failed',
        'video.transcode-progress',
        'video.chunk-transcoded',
        'video.chunk-failed',
        'video.status-changed',
      ],
    });
  }

  const relay = outboxRelayFromEnv(env, { db, kafka, logger, registry });
  if (env.OUTBOX_RELAY_ENABLED) relay.start();

  // Recovery first: a job our previous incarnation left behind is relaunched before new work is taken.
  const housekeeping = startPeriodic(
    'reaper',
    env.REAPER_INTERVAL_SEC * 1000,
    async () => {
      await dispatch.recoverOnce();
      await chunks.recoverOnce();
      await reaper.reapOnce();
    },
    logger,
  );
  // Apart from the reaper, so that a reaper that keeps failing shows as overdue jobs instead of a frozen gauge.
  const jobGauges = startPeriodic(
    'job-metrics',
    env.REAPER_INTERVAL_SEC * 1000,
    async () => {
      metrics.setJobCounts(await jobs.countByStatus());
      metrics.overdue.set(await jobs.countOverdue(new Date()));
    },
    logger,
  );

  // Deadlines are sized and chunked jobs' parts reported while tasks run, which is exactly when the uploads' consumer
  // may be paused at the cap.
  consumers.push(
    await startConsumer({
      kafka,
      groupId: startedConsumerGroup(env),
      topics: ['video.transcode-started', 'video.chunk-transcoded', 'video.chunk-failed'],
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
      logger,
      registry,
      partitionsConsumedConcurrently: env.CONSUMER_CONCURRENCY,
      sessionTimeout: env.CONSUMER_SESSION_TIMEOUT_MS,
      heartbeatInterval: env.CONSUMER_HEARTBEAT_MS,
      poisonAttempts: env.CONSUMER_POISON_ATTEMPTS,
      isTransient: (err) => isTransientFailure(err, isTransientMysqlError),
      // A deadline that cannot be extended is not worth failing a video over: the default one still holds. A part
      // report parked leaves its part running until the reaper finds its task gone and launches it again.
      handlers: {
        'video.transcode-started': async (message, ctx) => {
          await started.onStarted(message, ctx.logger);
        },
        'video.chunk-transcoded': async (message, ctx) => {
          await chunks.onPartTranscoded(message, ctx.logger);
        },
        'video.chunk-failed': async (message, ctx) => {
          await chunks.onPartFailed(message, ctx.logger);
        },
      },
    }),
  );
  consumers.push(
    await startDispatchConsumer({
      kafka,
      groupId: env.CONSUMER_GROUP,
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
      concurrency: env.CONSUMER_CONCURRENCY,
      messageConcurrency: env.CONSUMER_MESSAGE_CONCURRENCY,
      sessionTimeoutMs: env.CONSUMER_SESSION_TIMEOUT_MS,
      heartbeatMs: env.CONSUMER_HEARTBEAT_MS,
      poisonAttempts: env.CONSUMER_POISON_ATTEMPTS,
      service: dispatch,
      slots,
      logger,
      registry,
    }),
  );

  return {
    opsPort: ops.port,
    shutdownSteps: [
      async () => {
        await Promise.all(consumers.map((c) => c.stop()));
      },
      () => housekeeping.stop(),
      () => jobGauges.stop(),
      // After every writer of the outbox: the batch in flight is marked sent; the rest waits for the next relay.
      () => relay.stop(),
      () => launcher.close(Math.max(0, env.SHUTDOWN_GRACE_MS - 5000)),
      () => ops.close(),
      () => db.destroy(),
    ],
  };
}
