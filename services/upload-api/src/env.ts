// The upload API's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import {
  commonEnv,
  kafkaEnv,
  mysqlEnv,
  outboxRelayEnv,
  s3Env,
  signingSecrets,
  webhookTargetsEnv,
} from '@reelforge/config';
import { z } from 'zod';
import type { AppConfig } from './app.js';

const GiB = 1024 ** 3;
/** SigV4 presigned URLs live at most seven days. */
const MAX_PRESIGN_SEC = 7 * 24 * 3600;

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const uploadApiFields = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...mysqlEnv,
  ...s3Env,
  ...outboxRelayEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  JWT_SECRET: z.string().min(32, 'at least 32 characters'),
  JWT_TTL_SEC: seconds(3600),
  /** Processed files are linked under this base (no presigning) when set: the only way HLS masters play. */
  CDN_BASE_URL: z
    .url()
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /**
   * Secrets that sign private videos' playback tokens, comma-separated, newest first: tokens are signed with the first
   * and the edge accepts any (rotate by putting a new one in front for a token lifetime). Required with CDN_BASE_URL.
   */
  PLAYBACK_TOKEN_SECRETS: signingSecrets.optional(),
  /**
   * Secrets that sign playback session tokens (the events ingest verifies them with the same list), newest first,
   * rotated like PLAYBACK_TOKEN_SECRETS.
   */
  PLAYBACK_SESSION_SECRETS: signingSecrets,
  /** How long a playback session token lets a player send events: a short video's play, pauses and replays. */
  PLAYBACK_SESSION_TTL_SEC: seconds(4 * 3600),
  /** In AWS: the CloudFront KeyValueStore the edge function reads, and the distribution to invalidate on delete. */
  CDN_ACCESS_STORE_ARN: z.string().startsWith('arn:').optional(),
  CDN_DISTRIBUTION_ID: z.string().min(1).optional(),
  /** How long presigned read links (renditions, poster, storyboard) stay valid. */
  READ_URL_TTL_SEC: seconds(3600).pipe(z.number().max(MAX_PRESIGN_SEC)),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * GiB),
  /** A direct upload not completed within this is aborted; its part URLs expire with it. */
  DIRECT_UPLOAD_TTL_SEC: seconds(24 * 3600).pipe(z.number().max(MAX_PRESIGN_SEC)),
  UPLOAD_SWEEP_INTERVAL_SEC: seconds(60),
  /** JSON bodies; uploads have their own limit. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** How many proxies (load balancer, CDN) sit in front and append to X-Forwarded-For. */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_WINDOW_SEC: seconds(60),
  /** Fargate on-demand prices the owner's `compute.estimatedCostUsd` uses (default: us-east-1, Linux/x86). */
  FARGATE_VCPU_HOUR_USD: z.coerce.number().min(0).default(0.04048),
  FARGATE_GB_HOUR_USD: z.coerce.number().min(0).default(0.004445),
  RATE_LIMIT_IP_MAX: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_USER_MAX: z.coerce.number().int().positive().default(300),
  /** Register and login, per IP: they are where passwords get guessed. */
  RATE_LIMIT_AUTH_MAX: z.coerce.number().int().positive().default(20),
  /** Per-user quotas, counted in MySQL across replicas; refused with 429 QUOTA_EXCEEDED. */
  QUOTA_STREAMING_UPLOADS: z.coerce.number().int().positive().default(2),
  QUOTA_OPEN_DIRECT_UPLOADS: z.coerce.number().int().positive().default(5),
  /** Videos not yet ready (awaiting their parts, uploaded, queued, processing), streams in flight included. */
  QUOTA_UNFINISHED_VIDEOS: z.coerce.number().int().positive().default(20),
  QUOTA_DAILY_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * GiB),
  /** Streamed uploads one instance takes at once; more are refused with 503 SERVER_BUSY. */
  MAX_CONCURRENT_UPLOADS: z.coerce.number().int().positive().default(32),
  /** A streamed upload whose body sends nothing for this long is cut with 408 (not a cap on its total time). */
  UPLOAD_IDLE_TIMEOUT_SEC: seconds(30),
  /** Live status streams (GET /v1/videos/:id/events) one instance holds; more are refused with 503 SERVER_BUSY. */
  LIVE_MAX_SUBSCRIBERS: z.coerce.number().int().positive().default(1000),
  /** A comment line on every live stream this often, so proxies keep it open. */
  LIVE_HEARTBEAT_SEC: seconds(15),
  /** Every watched video is re-read this often, for changes that announce themselves on no topic. */
  LIVE_RESYNC_SEC: seconds(30),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(25_000),
  /** The cache of hot reads (feed pages, public videos). Unset: no cache. Down: the API answers uncached. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  /** Keeps deployments sharing one Redis apart. */
  REDIS_KEY_PREFIX: z.string().max(64).default('reelforge:'),
  /** A cache command slower than this is a miss: the request goes to MySQL rather than wait. */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(250),
  /** How long a cache entry lives at most: what bounds staleness of counts the lake moves (views). */
  CACHE_TTL_SEC: seconds(30),
  /** GET /v1/feed/trending ranks videos that became ready within this. */
  TRENDING_WINDOW_SEC: seconds(72 * 3600),
  /** Registration refuses URLs whose literal address is not public, except in these CIDRs (development). */
  ...webhookTargetsEnv,
  /** After POST /v1/webhooks/:id/rotate the previous secret still signs (a second signature) for this long. */
  WEBHOOK_SECRET_GRACE_SEC: seconds(24 * 3600),
});

export const uploadApiEnv = uploadApiFields.superRefine((env, ctx) => {
  if (env.CDN_BASE_URL && !env.PLAYBACK_TOKEN_SECRETS) {
    ctx.addIssue({ code: 'custom', path: ['PLAYBACK_TOKEN_SECRETS'], message: 'required with CDN_BASE_URL' });
  }
  // Without a CDN the cached resources hold presigned links: they must stay valid for as long as an entry is served.
  if (!env.CDN_BASE_URL && env.CACHE_TTL_SEC * 2 > env.READ_URL_TTL_SEC) {
    ctx.addIssue({ code: 'custom', path: ['CACHE_TTL_SEC'], message: 'at most half of READ_URL_TTL_SEC' });
  }
  if (Boolean(env.CDN_ACCESS_STORE_ARN) !== Boolean(env.CDN_DISTRIBUTION_ID)) {
    ctx.addIssue({
      code: 'custom',
      path: ['CDN_DISTRIBUTION_ID'],
      message: 'set together with CDN_ACCESS_STORE_ARN',
    });
  }
});
export type UploadApiEnv = z.infer<typeof uploadApiEnv>;

export function appConfigFromEnv(env: UploadApiEnv): AppConfig {
  return {
    jwtSecret: env.JWT_SECRET,
    jwtTtlSec: env.JWT_TTL_SEC,
    rawBucket: env.RAW_BUCKET,
    processedBucket: env.PROCESSED_BUCKET,
    cdnBaseUrl: env.CDN_BASE_URL,
    readUrlTtlSec: env.READ_URL_TTL_SEC,
    playbackTokenSecrets: env.PLAYBACK_TOKEN_SECRETS,
    playbackSession: { secrets: env.PLAYBACK_SESSION_SECRETS, ttlSec: env.PLAYBACK_SESSION_TTL_SEC },
    maxUploadBytes: env.MAX_UPLOAD_BYTES,
    directUploadTtlSec: env.DIRECT_UPLOAD_TTL_SEC,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    trustProxyHops: env.TRUST_PROXY_HOPS,
    rateLimit: {
      windowSec: env.RATE_LIMIT_WINDOW_SEC,
      ipMax: env.RATE_LIMIT_IP_MAX,
      userMax: env.RATE_LIMIT_USER_MAX,
      authMax: env.RATE_LIMIT_AUTH_MAX,
    },
    quotas: {
      streamingUploads: env.QUOTA_STREAMING_UPLOADS,
      openDirectUploads: env.QUOTA_OPEN_DIRECT_UPLOADS,
      unfinishedVideos: env.QUOTA_UNFINISHED_VIDEOS,
      dailyUploadBytes: env.QUOTA_DAILY_UPLOAD_BYTES,
    },
    maxConcurrentUploads: env.MAX_CONCURRENT_UPLOADS,
    uploadIdleTimeoutMs: env.UPLOAD_IDLE_TIMEOUT_SEC * 1000,
    live: {
      maxSubscribers: env.LIVE_MAX_SUBSCRIBERS,
      heartbeatMs: env.LIVE_HEARTBEAT_SEC * 1000,
      resyncMs: env.LIVE_RESYNC_SEC * 1000,
    },
    cache: { keyPrefix: env.REDIS_KEY_PREFIX, ttlSec: env.CACHE_TTL_SEC },
    trendingWindowSec: env.TRENDING_WINDOW_SEC,
    webhooks: { allowTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS, secretGraceSec: env.WEBHOOK_SECRET_GRACE_SEC },
    fargatePrices: { vcpuHourUsd: env.FARGATE_VCPU_HOUR_USD, gbHourUsd: env.FARGATE_GB_HOUR_USD },
  };
}
