// Wires the lake writer: env, DuckDB, MySQL registry, S3, the Kafka consumer and the ops server; closes in order.
import { mkdir } from 'node:fs/promises';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadEnv } from '@reelforge/config';
import { startPeriodic } from '@reelforge/core';
import { createDb, migrateToLatest, pingDb } from '@reelforge/db';
import { ensureTopics, kafkaFromEnv } from '@reelforge/kafka';
import { createLogger, createRegistry, onShutdown, startOpsServer } from '@reelforge/observability';
import { createS3Client } from '@reelforge/storage';
import { ChunkRegistry } from './chunk.registry.js';
import { lakeEnv } from './env.js';
import { lakeMetrics } from './lake.metrics.js';
import { startLakeWriter } from './lake.writer.js';
import { ParquetChunkWriter } from './parquet.writer.js';

const TOPIC = 'engagement.events';
const DAY_MS = 24 * 3600 * 1000;

const env = loadEnv(lakeEnv);
const logger = createLogger({ service: 'events-lake', level: env.LOG_LEVEL });
const registry = createRegistry('events-lake');
const kafka = kafkaFromEnv(env, logger);
const db = createDb({ url: env.MYSQL_URL, poolSize: env.MYSQL_POOL_SIZE });
const s3 = createS3Client({
  region: env.AWS_REGION,
  endpoint: env.S3_ENDPOINT,
  forcePathStyle: env.S3_FORCE_PATH_STYLE,
});

if (env.MIGRATE_ON_START) await migrateToLatest(db);
if (env.ENSURE_TOPICS) {
  await ensureTopics(kafka, {
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    partitions: env.KAFKA_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    topics: [TOPIC],
  });
}

// Never reach for the network: everything needed (parquet, json, icu) is built into the binary.
const duckdb = await DuckDBInstance.create(':memory:', {
  threads: String(env.DUCKDB_THREADS),
  memory_limit: env.DUCKDB_MEMORY_LIMIT,
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
});
await mkdir(env.TMP_DIR, { recursive: true });

const chunks = new ChunkRegistry(db);
let writer: Awaited<ReturnType<typeof startLakeWriter>> | undefined;
const metrics = lakeMetrics(registry, () => writer?.bufferedBytes() ?? 0);
writer = await startLakeWriter({
  kafka,
  groupId: env.CONSUMER_GROUP,
  topic: env.KAFKA_TOPIC_PREFIX + TOPIC,
  s3,
  bucket: env.LAKE_BUCKET,
  keyPrefix: env.LAKE_PREFIX,
  mediaKeyPrefix: env.LAKE_MEDIA_PREFIX,
  registry: chunks,
  parquet: new ParquetChunkWriter(duckdb, env.TMP_DIR),
  bounds: {
    maxBytes: env.FLUSH_MAX_BYTES,
    maxEvents: env.FLUSH_MAX_EVENTS,
    maxSpanMs: env.FLUSH_MAX_SPAN_SEC * 1000,
  },
  idleMs: env.FLUSH_IDLE_SEC * 1000,
  maxBufferedBytes: env.BUFFER_MAX_BYTES,
  flushConcurrency: env.FLUSH_CONCURRENCY,
  logger,
  metrics,
});

const pruner = startPeriodic(
  'registry-prune',
  3600 * 1000,
  async () => void (await chunks.prune(new Date(Date.now() - env.REGISTRY_RETENTION_DAYS * DAY_MS))),
  logger,
  { immediate: false },
);

const ops = await startOpsServer({
  port: env.OPS_PORT,
  registry,
  checks: {
    mysql: () => pingDb(db),
    s3: async () => {
      await s3.send(new HeadBucketCommand({ Bucket: env.LAKE_BUCKET }));
    },
  },
});
logger.info({ opsPort: ops.port, bucket: env.LAKE_BUCKET }, 'events lake writer started');

onShutdown(
  logger,
  [
    async () => {
      await pruner.stop();
      await writer?.stop();
    },
    () => ops.close(),
    async () => {
      duckdb.closeSync();
      await db.destroy();
      s3.destroy();
    },
  ],
  { timeoutMs: env.SHUTDOWN_GRACE_MS },
);
