// Wires the completion service: env, MySQL, S3, Kafka (topics ensured), the ops server, the consumer and the outbox
// relay that publishes its retries; closes in order.
import { loadEnv } from '@reelforge/config';
import { createDb, pingDb } from '@reelforge/db';
import { ensureTopics, kafkaFromEnv, type RunningConsumer } from '@reelforge/kafka';
import { createLogger, createRegistry, onShutdown, startOpsServer } from '@reelforge/observability';
import { outboxRelayFromEnv } from '@reelforge/outbox';
import { createS3Client } from '@reelforge/storage';
import { completionTopics, startCompletion } from './completion.consumer.js';
import { completionEnv } from './env.js';

const env = loadEnv(completionEnv);
const logger = createLogger({ service: 'completion', level: env.LOG_LEVEL });
const registry = createRegistry('completion');
const db = createDb({ url: env.MYSQL_URL, poolSize: env.MYSQL_POOL_SIZE });
const kafka = kafkaFromEnv(env, logger);
const s3 = createS3Client({
  region: env.AWS_REGION,
  endpoint: env.S3_ENDPOINT,
  forcePathStyle: env.S3_FORCE_PATH_STYLE,
});
const admin = kafka.admin();
let adminConnected: Promise<void> | undefined;
let running: RunningConsumer | undefined;

await ensureTopics(kafka, {
  topicPrefix: env.KAFKA_TOPIC_PREFIX,
  partitions: env.KAFKA_PARTITIONS,
  replicationFactor: env.KAFKA_REPLICATION_FACTOR,
  // Consumed, and written through the outbox (a retry's video.uploaded, every status change).
  topics: [...completionTopics, 'video.uploaded', 'video.status-changed'],
});

// Before the consumer: a port already taken stops the boot before the group is joined and rebalanced for nothing.
const ops = await startOpsServer({
  port: env.OPS_PORT,
  registry,
  checks: {
    mysql: () => pingDb(db),
    kafka: async () => {
      if (!running?.isRunning()) throw new Error('consumer not running');
      adminConnected ??= admin.connect().catch((err: unknown) => {
        adminConnected = undefined;
        throw err;
      });
      await adminConnected;
      await admin.describeCluster();
    },
  },
});

const relay = outboxRelayFromEnv(env, { db, kafka, logger, registry });
if (env.OUTBOX_RELAY_ENABLED) relay.start();

const consumer = await startCompletion({
  kafka,
  db,
  logger,
  registry,
  groupId: env.CONSUMER_GROUP,
  topicPrefix: env.KAFKA_TOPIC_PREFIX,
  policy: { maxAttempts: env.MAX_ATTEMPTS, backoff: { baseSec: env.RETRY_BASE_SEC, maxSec: env.RETRY_MAX_SEC } },
  outputs: { s3, bucket: env.PROCESSED_BUCKET },
  consumer: { poisonAttempts: env.CONSUMER_POISON_ATTEMPTS },
});
running = consumer;
logger.info({ opsPort: ops.port, groupId: env.CONSUMER_GROUP, maxAttempts: env.MAX_ATTEMPTS }, 'completion started');

onShutdown(
  logger,
  [
    // The message in flight finishes and is committed before the group is left; only then do its writes stop.
    () => consumer.stop(),
    // After the consumer, the outbox's writer: the batch in flight is marked sent; the rest waits for the next relay.
    () => relay.stop(),
    () => ops.close(),
    () => admin.disconnect(),
    () => db.destroy(),
  ],
  { timeoutMs: env.SHUTDOWN_GRACE_MS },
);
