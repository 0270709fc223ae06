// Wires the recommender: env, DuckDB, S3, MySQL, the periodic build and the ops server; closes in order. One replica
// is enough (a second would only repeat the same build); two are harmless, each build replaces whole lists.
import { join } from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadEnv } from '@reelforge/config';
import { startPeriodic } from '@reelforge/core';
import { createDb, pingDb, RecommendationRepository } from '@reelforge/db';
import { createLogger, createRegistry, onShutdown, startOpsServer } from '@reelforge/observability';
import { createS3Client } from '@reelforge/storage';
import { recommenderEnv } from './env.js';
import { buildRecommendations } from './recommender.job.js';
import { recommenderMetrics } from './recommender.metrics.js';

const env = loadEnv(recommenderEnv);
const logger = createLogger({ service: 'recommender', level: env.LOG_LEVEL });
const registry = createRegistry('recommender');
const metrics = recommenderMetrics(registry);
const db = createDb({ url: env.MYSQL_URL, poolSize: env.MYSQL_POOL_SIZE });
const s3 = createS3Client({
  region: env.AWS_REGION,
  endpoint: env.S3_ENDPOINT,
  forcePathStyle: env.S3_FORCE_PATH_STYLE,
});
// Never reach for the network: parquet, json and icu are built into the binary (httpfs is not, hence lake.snapshot).
const duckdb = await DuckDBInstance.create(':memory:', {
  threads: String(env.DUCKDB_THREADS),
  memory_limit: env.DUCKDB_MEMORY_LIMIT,
  // Where the big joins spill beyond the memory limit (not the working directory, which may be read-only).
  temp_directory: join(env.TMP_DIR, 'recommender-spill'),
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
});
const recommendations = new RecommendationRepository(db);

const builder = startPeriodic(
  'recommender-build',
  env.BUILD_INTERVAL_SEC * 1000,
  async () => {
    const started = Date.now();
    try {
      const r = await buildRecommendations({
        duckdb,
        s3,
        db,
        recommendations,
        bucket: env.LAKE_BUCKET,
        prefix: env.LAKE_PREFIX,
        lookbackDays: env.LOOKBACK_DAYS,
        tmpDir: env.TMP_DIR,
        model: {
          k: env.TOP_K,
          likeWeight: env.LIKE_WEIGHT,
          completeWeight: env.COMPLETE_WEIGHT,
          watchWeight: env.WATCH_WEIGHT,
          watchFullSec: env.WATCH_FULL_SEC,
          maxHistory: env.MAX_HISTORY,
          neighbours: env.NEIGHBOURS,
          rowsPerPass: env.ROWS_PER_PASS,
        },
      });
      const seconds = (Date.now() - started) / 1000;
      metrics.builds.inc({ outcome: 'ok' });
      metrics.duration.set(seconds);
      metrics.events.set(r.events);
      metrics.users.set(r.users);
      metrics.lastSuccess.set(r.builtAt.getTime() / 1000);
      logger.info({ ...r, seconds }, 'recommendations built');
    } catch (err) {
      metrics.builds.inc({ outcome: 'failed' });
      throw err;
    }
  },
  logger,
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
logger.info({ opsPort: ops.port, intervalSec: env.BUILD_INTERVAL_SEC }, 'recommender started');

onShutdown(
  logger,
  [
    () => builder.stop(),
    () => ops.close(),
    async () => {
      duckdb.closeSync();
      await db.destroy();
      s3.destroy();
    },
  ],
  { timeoutMs: env.SHUTDOWN_GRACE_MS },
);
