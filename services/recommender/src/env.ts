// The recommender's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import { tmpdir } from 'node:os';
import { commonEnv, mysqlEnv, s3Env } from '@reelforge/config';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const weight = (fallback: number) => z.coerce.number().nonnegative().default(fallback);
// It reads the lake only, not the media buckets.
const { RAW_BUCKET: _raw, PROCESSED_BUCKET: _processed, ...s3Client } = s3Env;

export const recommenderEnv = z.object({
  ...commonEnv,
  ...mysqlEnv,
  ...s3Client,
  LAKE_BUCKET: z.string().min(3).default('reelforge-lake'),
  /** events-lake's LAKE_PREFIX: the players' events (Reelforge videos). */
  LAKE_PREFIX: z.string().default('events/'),
  OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9406),
  /** A build every this many seconds (the first at start-up). */
  BUILD_INTERVAL_SEC: positiveInt(3600),
  /** Days of the lake a build reads, today included. */
  LOOKBACK_DAYS: positiveInt(30),
  /** Recommendations kept per user. */
  TOP_K: positiveInt(50),
  LIKE_WEIGHT: weight(3),
  COMPLETE_WEIGHT: weight(2),
  WATCH_WEIGHT: weight(1),
  /** Seconds of furthest playhead that count as a full watch. */
  WATCH_FULL_SEC: positiveInt(60),
  /** Each user's most recent interactions the model uses. */
  MAX_HISTORY: positiveInt(100),
  /** Most similar videos kept per video. */
  NEIGHBOURS: positiveInt(50),
  /** History rows per pass of the similarity and scoring steps: lower it if a build runs out of memory. */
  ROWS_PER_PASS: positiveInt(200_000),
  DUCKDB_THREADS: positiveInt(2),
  /** A build over ~10 million events needs more than 1GB (BENCHMARKS.md); DuckDB spills beyond it to TMP_DIR. */
  DUCKDB_MEMORY_LIMIT: z.string().default('4GB'),
  TMP_DIR: z.string().default(tmpdir()),
  SHUTDOWN_GRACE_MS: positiveInt(25_000),
});
export type RecommenderEnv = z.infer<typeof recommenderEnv>;
