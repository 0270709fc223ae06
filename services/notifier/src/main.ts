// Wires the notifier: env, MySQL, Kafka (its topic ensured), the ops server, the fan-out consumer and the delivery
// loop; closes in order.
import { loadEnv } from '@reelforge/config';
import { createDb, pingDb, WebhookRepository } from '@reelforge/db';
import { ensureTopics, kafkaFromEnv, type RunningConsumer } from '@reelforge/kafka';
import { createLogger, createRegistry, onShutdown, startOpsServer } from '@reelforge/observability';
import { DeliveryLoop } from './delivery.loop.js';
import { WebhookSender } from './delivery.sender.js';
import { notifierEnv } from './env.js';
import { notifierTopics, startFanout } from './fanout.consumer.js';
import { notifierMetrics } from './notifier.metrics.js';

const env = loadEnv(notifierEnv);
const logger = createLogger({ service: 'notifier', level: env.LOG_LEVEL });
const registry = createRegistry('notifier');
const db = createDb({ url: env.MYSQL_URL, poolSize: env.MYSQL_POOL_SIZE });
const kafka = kafkaFromEnv(env, logger);
const webhooks = new WebhookRepository(db);
const metrics = notifierMetrics(registry, () => webhooks.oldestDueAgeSeconds());
let running: RunningConsumer | undefined;

await ensureTopics(kafka, {
  topicPrefix: env.KAFKA_TOPIC_PREFIX,
  partitions: env.KAFKA_PARTITIONS,
  replicationFactor: env.KAFKA_REPLICATION_FACTOR,
  topics: [...notifierTopics],
});

const ops = await startOpsServer({
  port: env.OPS_PORT,
  registry,
  checks: {
    mysql: () => pingDb(db),
    kafka: async () => {
      if (!running?.isRunning()) throw new Error('consumer not running');
    },
  },
});

const sender = new WebhookSender({
  allow: env.WEBHOOK_ALLOW_PRIVATE_TARGETS,
  connectTimeoutMs: env.WEBHOOK_CONNECT_TIMEOUT_MS,
  timeoutMs: env.WEBHOOK_TIMEOUT_MS,
});
const loop = new DeliveryLoop({
  webhooks,
  sender,
  metrics,
  logger: logger.child({ component: 'delivery' }),
  policy: {
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    retry: {
      baseMs: env.WEBHOOK_RETRY_BASE_SEC * 1000,
      capMs: env.WEBHOOK_RETRY_MAX_SEC * 1000,
      jitter: { ratio: 0.2 },
    },
    disableAfterMs: env.WEBHOOK_DISABLE_AFTER_SEC * 1000,
  },
  options: {
    pollMs: env.DELIVERY_POLL_MS,
    concurrency: env.DELIVERY_CONCURRENCY,
    perEndpoint: env.ENDPOINT_CONCURRENCY,
    leaseMs: env.DELIVERY_LEASE_SEC * 1000,
  },
});
loop.start();

const consumer = await startFanout({
  kafka,
  db,
  webhooks,
  metrics,
  logger,
  registry,
  groupId: env.CONSUMER_GROUP,
  topicPrefix: env.KAFKA_TOPIC_PREFIX,
  links: { apiBaseUrl: env.API_BASE_URL, cdnBaseUrl: env.CDN_BASE_URL },
  consumer: { poisonAttempts: env.CONSUMER_POISON_ATTEMPTS },
});
running = consumer;
logger.info({ opsPort: ops.port, groupId: env.CONSUMER_GROUP }, 'notifier started');

onShutdown(
  logger,
  [
    // The message in flight gets its deliveries and is committed before the group is left.
    () => consumer.stop(),
    // Attempts in flight finish and are recorded; unclaimed ones wait for the next notifier.
    () => loop.stop(),
    () => sender.close(),
    () => ops.close(),
    () => db.destroy(),
  ],
  { timeoutMs: env.SHUTDOWN_GRACE_MS },
);
