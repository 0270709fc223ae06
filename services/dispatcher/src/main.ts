// Starts the dispatcher: env, adapters, the launcher, the video.uploaded consumer and the reaper/recovery loop;
// and the outbox relay; stops them in order (intake first, then the loops, the relay, tasks this process owns, then
// connections).
import { loadEnv } from '@reelforge/config';
import { startPeriodic } from '@reelforge/core';
import { createDb, JobRepository, OutboxRepository, pingDb, VideoRepository } from '@reelforge/db';
import { ensureTopics, kafkaFromEnv } from '@reelforge/kafka';
import { createLogger, createRegistry, onShutdown, startOpsServer } from '@reelforge/observability';
import { outboxRelayFromEnv } from '@reelforge/outbox';
import { startDispatchConsumer } from './dispatch.consumer.js';
import { DispatchService } from './dispatch.service.js';
import { dispatcherMetrics } from './dispatcher.metrics.js';
import { deadlinePolicy, dispatcherEnv } from './env.js';
import { LaunchSlots } from './launch.slots.js';
import { createLauncher } from './launcher.factory.js';
import { ReaperService } from './reaper.service.js';
import { RunningJobsQuery } from './running-jobs.query.js';

const env = loadEnv(dispatcherEnv);
const logger = createLogger({ service: 'dispatcher', level: env.LOG_LEVEL });
const registry = createRegistry('dispatcher');
const metrics = dispatcherMetrics(registry);
const db = createDb({ url: env.MYSQL_URL, poolSize: env.MYSQL_POOL_SIZE });
const kafka = kafkaFromEnv(env, logger);
const jobs = new JobRepository(db);
const outbox = new OutboxRepository(db);
const { launcher, maxConcurrency } = createLauncher(env, logger);
const slots = new LaunchSlots(maxConcurrency);

const dispatch = new DispatchService({
  db,
  videos: new VideoRepository(db),
  jobs,
  outbox,
  launcher,
  slots,
  metrics,
  logger,
  processedBucket: env.PROCESSED_BUCKET,
  deadline: deadlinePolicy(env),
  recoverAfterSec: env.RECOVER_AFTER_SEC,
  ...(env.DISPATCHER_CRASH_AFTER_JOB_CREATED
    ? {
        afterJobCreated: (job) => {
          logger.fatal({ jobId: job.id }, 'DISPATCHER_CRASH_AFTER_JOB_CREATED: crashing before the launch');
          process.kill(process.pid, 'SIGKILL');
        },
      }
    : {}),
});
const reaper = new ReaperService({
  db,
  jobs,
  outbox,
  running: new RunningJobsQuery(db),
  launcher,
  metrics,
  logger: logger.child({ component: 'reaper' }),
  stoppedGraceMs: env.TASK_STOPPED_GRACE_SEC * 1000,
  batchSize: env.REAPER_BATCH_SIZE,
});

let consumerRunning = () => false;
const ops = await startOpsServer({
  port: env.OPS_PORT,
  registry,
  checks: {
    mysql: () => pingDb(db),
    kafka: async () => {
      if (!consumerRunning()) throw new Error('consumer not running');
    },
  },
});
logger.info({ port: ops.port, launcher: launcher.kind, maxConcurrency }, 'ops server listening');

if (env.ENSURE_TOPICS) {
  await ensureTopics(kafka, {
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    partitions: env.KAFKA_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    // Consumed, and written through the outbox (launch failures, lost tasks).
    topics: ['video.uploaded', 'video.transcode-failed'],
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

const consumer = await startDispatchConsumer({
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
});
consumerRunning = () => consumer.isRunning();

onShutdown(
  logger,
  [
    () => consumer.stop(),
    () => housekeeping.stop(),
    () => jobGauges.stop(),
    // After every writer of the outbox: the batch in flight is marked sent; the rest waits for the next relay.
    () => relay.stop(),
    () => launcher.close(Math.max(0, env.SHUTDOWN_GRACE_MS - 5000)),
    () => ops.close(),
    () => db.destroy(),
  ],
  { timeoutMs: env.SHUTDOWN_GRACE_MS },
);
