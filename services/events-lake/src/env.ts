// The lake writer's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import { tmpdir } from 'node:os';
import { commonEnv, envBool, kafkaEnv, mysqlEnv, s3Env } from '@reelforge/config';
import { z } from 'zod';

const MiB = 1024 * 1024;
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
// The lake reads no raw or processed media, so s3Env's bucket variables are not required here.
const { RAW_BUCKET: _raw, PROCESSED_BUCKET: _processed, ...s3Client } = s3Env;

export const lakeEnv = z
  .object({
    ...commonEnv,
    ...kafkaEnv,
    ...mysqlEnv,
    ...s3Client,
    LAKE_BUCKET: z.string().min(3).default('reelforge-lake'),
    /** Objects land under `<prefix>dt=YYYY-MM-DD/hour=HH/`. */
    LAKE_PREFIX: z.string().default('events/'),
    /** The analytics design's MediaEventV1 (schema_version "1.0") land under `<this>dt=…/hour=…/`, apart. */
    LAKE_MEDIA_PREFIX: z.string().default('media-events/'),
    OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9403),
    CONSUMER_GROUP: z.string().min(1).default('events-lake'),
    /** Chunk bounds, all replay-stable: raw event bytes, events, and span of Kafka record time. */
    FLUSH_MAX_BYTES: positiveInt(128 * MiB),
    FLUSH_MAX_EVENTS: positiveInt(1_000_000),
    FLUSH_MAX_SPAN_SEC: positiveInt(60),
    /** A partition quiet this long has its open chunk written anyway (boundary fixed in the registry first). */
    FLUSH_IDLE_SEC: positiveInt(60),
    /** Read but uncommitted bytes over all partitions; fetching waits beyond it. */
    BUFFER_MAX_BYTES: positiveInt(512 * MiB),
    FLUSH_CONCURRENCY: positiveInt(2),
    DUCKDB_THREADS: positiveInt(2),
    DUCKDB_MEMORY_LIMIT: z.string().default('1GB'),
    TMP_DIR: z.string().default(tmpdir()),
    /** Registry rows older than this are deleted; keep it above the topic's retention. */
    REGISTRY_RETENTION_DAYS: positiveInt(14),
    ENSURE_TOPICS: envBool.default(true),
    MIGRATE_ON_START: envBool.default(true),
    SHUTDOWN_GRACE_MS: positiveInt(25_000),
  })
  .superRefine((env, ctx) => {
    if (env.LAKE_MEDIA_PREFIX === env.LAKE_PREFIX) {
      ctx.addIssue({ code: 'custom', path: ['LAKE_MEDIA_PREFIX'], message: 'must differ from LAKE_PREFIX' });
    }
    if (env.FLUSH_MAX_BYTES > env.BUFFER_MAX_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['BUFFER_MAX_BYTES'], message: 'at least FLUSH_MAX_BYTES' });
    }
  });
export type LakeEnv = z.infer<typeof lakeEnv>;
