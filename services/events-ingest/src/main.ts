// Wires the ingest service: env, Kafka producer behind the batcher, rate limiter, HTTP app; closes in order. With
// WORKERS > 1 this process is the cluster's primary and the workers run the same file (ingest.cluster.ts).
import cluster from 'node:cluster';
import { loadEnv } from '@reelforge/config';
import { ApiKeyRepository, createDb, pingDb } from '@reelforge/db';
import { ensureTopics, kafkaFromEnv } from '@reelforge/kafka';
import { createLogger, createRegistry, onShutdown } from '@reelforge/observability';
import { ApiKeyCache } from './api-key.cache.js';
import { buildApp } from './app.js';
import { ingestEnv } from './env.js';
import { metricsOf, runPrimary } from './ingest.cluster.js';
import { createRecordSender } from './kafka.sender.js';
import { ProduceBatcher } from './produce.batcher.js';
import { RateLimiter } from './rate.limiter.js';

const TOPIC = 'engagement.events';

const env = loadEnv(ingestEnv);
const logger = createLogger({ service: 'events-ingest', level: env.LOG_LEVEL });

if (env.ENSURE_TOPICS && cluster.isPrimary) {
  await ensureTopics(kafkaFromEnv(env, logger), {
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    partitions: env.KAFKA_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    topics: [TOPIC],
  });
}

if (cluster.isPrimary && env.WORKERS > 1) {
  runPrimary({
    workers: env.WORKERS,
    registry: createRegistry('events-ingest'),
    logger,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  });
} else {
  await serve();
}

async function serve(): Promise<void> {
  const registry = createRegistry('events-ingest');
  const producer = createRecordSender({ env, topic: env.KAFKA_TOPIC_PREFIX + TOPIC, registry });
  await producer.connect();
  let producerUp = true;

  const batcher = new ProduceBatcher((messages) => producer.send(messages), {
    maxBatchBytes: env.PRODUCE_MAX_BYTES,
    maxPendingBytes: env.PRODUCE_MAX_PENDING_BYTES,
  });
  const rateLimits = {
    session: new RateLimiter(env.RATE_LIMIT_EVENTS_PER_SEC, env.RATE_LIMIT_BURST),
    ip: new RateLimiter(env.RATE_LIMIT_IP_EVENTS_PER_SEC, env.RATE_LIMIT_IP_BURST),
    apiKey: new RateLimiter(env.RATE_LIMIT_API_KEY_EVENTS_PER_SEC, env.RATE_LIMIT_API_KEY_BURST),
  };
  const sweeper = setInterval(() => {
    for (const limit of Object.values(rateLimits)) limit.sweep(Date.now());
  }, 60_000);
  sweeper.unref();

  const db = createDb({ url: env.MYSQL_URL, poolSize: env.MYSQL_POOL_SIZE });
  const app = await buildApp({
    publish: (messages) => batcher.publish(messages),
    pendingBytes: () => batcher.pending.bytes,
    sessionSecrets: env.PLAYBACK_SESSION_SECRETS,
    apiKeys: new ApiKeyCache(new ApiKeyRepository(db), env.API_KEY_CACHE_SEC * 1000),
    rateLimits,
    registry,
    metrics: metricsOf(registry),
    logger,
    checks: {
      kafka: async () => {
        if (!producerUp) throw new Error('producer disconnected');
      },
      mysql: () => pingDb(db),
    },
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    maxEventsPerRequest: env.MAX_EVENTS_PER_REQUEST,
    trustProxy: env.TRUST_PROXY,
  });
  await app.listen({ port: env.PORT, host: env.HOST });

  onShutdown(
    logger,
    [
      // Stop taking requests and let those in flight get their acknowledgement, then drain and disconnect.
      () => app.close(),
      () => batcher.flush(),
      async () => {
        clearInterval(sweeper);
        producerUp = false;
        await producer.disconnect();
        await db.destroy();
      },
    ],
    { timeoutMs: env.SHUTDOWN_GRACE_MS },
  );
}
