// The upload API's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import { commonEnv, kafkaEnv, mysqlEnv, outboxRelayEnv, s3Env } from '@reelforge/config';
import { z } from 'zod';
import type { AppConfig } from './app.js';

const GiB = 1024 ** 3;
/** SigV4 presigned URLs live at most seven days. */
const MAX_PRESIGN_SEC = 7 * 24 * 3600;

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const uploadApiEnv = z.object({
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
  RATE_LIMIT_IP_MAX: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_USER_MAX: z.coerce.number().int().positive().default(300),
  /** Register and login, per IP: they are where passwords get guessed. */
  RATE_LIMIT_AUTH_MAX: z.coerce.number().int().positive().default(20),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(25_000),
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
  };
}
