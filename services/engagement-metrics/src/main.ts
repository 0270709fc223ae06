// Wires the observability consumer: env, Kafka, the aggregator, the ops server (/metrics, /healthz, /readyz); closes
// in order on SIGTERM.
import { loadEnv } from '@reelforge/config';
import { ensureTopics, kafkaFromEnv } from '@reelforge/kafka';
import { createLogger, createRegistry, onShutdown, startOpsServer } from '@reelforge/observability';
import { SessionTracker, SourceLabels } from './engagement.aggregator.js';
import { startEngagementConsumer } from './engagement.consumer.js';
import { engagementMetrics } from './engagement.metrics.js';
import { metricsEnv } from './env.js';

const TOPIC = 'engagement.events';

const env = loadEnv(metricsEnv);
const logger = createLogger({ service: 'engagement-metrics', level: env.LOG_LEVEL });
const registry = createRegistry('engagement-metrics');
const kafka = kafkaFromEnv(env, logger);

if (env.ENSURE_TOPICS) {
  await ensureTopics(kafka, {
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    partitions: env.KAFKA_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    topics: [TOPIC],
  });
}

const sessions = new SessionTracker(env.SESSION_IDLE_SEC * 1000);
const metrics = engagementMetrics(registry, () => sessions.active(Date.now()));
const consumer = await startEngagementConsumer({
  kafka,
  groupId: env.CONSUMER_GROUP,
  topic: env.KAFKA_TOPIC_PREFIX + TOPIC,
  fromBeginning: env.CONSUMER_FROM_BEGINNING,
  sessions,
  sources: new SourceLabels(env.MAX_SOURCES),
  metrics,
  logger,
});

const ops = await startOpsServer({
  port: env.OPS_PORT,
  registry,
  checks: {
    kafka: async () => {
      if (!consumer.isRunning()) throw new Error('not in its consumer group');
    },
  },
});
logger.info({ opsPort: ops.port, group: env.CONSUMER_GROUP }, 'engagement metrics consumer started');

onShutdown(logger, [() => consumer.stop(), () => ops.close()], { timeoutMs: env.SHUTDOWN_GRACE_MS });
