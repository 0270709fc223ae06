// The notifier's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import { commonEnv, kafkaEnv, mysqlEnv, webhookTargetsEnv } from '@reelforge/config';
import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const notifierEnv = z
  .object({
    ...commonEnv,
    ...kafkaEnv,
    ...mysqlEnv,
    /** Resolved addresses outside public unicast are refused unless in these CIDRs (development: loopback). */
    ...webhookTargetsEnv,
    OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9404),
    CONSUMER_GROUP: z.string().min(1).default('reelforge-notifier'),
    CONSUMER_POISON_ATTEMPTS: count(5),
    /** Where `video.ready` payloads point (`links.self`): the public URL of upload-api. Unset: no self link. */
    API_BASE_URL: z.url().optional(),
    /** The CDN (or local edge) a public video's playback links are under; unset: `video.ready` carries none. */
    CDN_BASE_URL: z.url().optional(),
    /** How often the delivery loop looks for due deliveries when it found none. */
    DELIVERY_POLL_MS: z.coerce.number().int().positive().default(1000),
    /** Deliveries in flight in this process at most. */
    DELIVERY_CONCURRENCY: count(32),
    /** Deliveries in flight per endpoint in this process at most: a slow receiver holds up only its own. */
    ENDPOINT_CONCURRENCY: count(4),
    /** A claimed delivery is another notifier's again after this (it must outlast WEBHOOK_TIMEOUT_MS). */
    DELIVERY_LEASE_SEC: seconds(60),
    WEBHOOK_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
    /** The whole request, connect to the last byte read. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
    /** Attempts per delivery, the first included: with the defaults below, about a day of retries. */
    WEBHOOK_MAX_ATTEMPTS: count(12),
    WEBHOOK_RETRY_BASE_SEC: seconds(60),
    WEBHOOK_RETRY_MAX_SEC: seconds(8 * 3600),
    /** An endpoint whose attempts have all failed for this long is disabled (its owner sees why in the API). */
    WEBHOOK_DISABLE_AFTER_SEC: seconds(24 * 3600),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(25_000),
  })
  .superRefine((env, ctx) => {
    if (env.WEBHOOK_RETRY_MAX_SEC < env.WEBHOOK_RETRY_BASE_SEC) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_RETRY_MAX_SEC'], message: 'at least WEBHOOK_RETRY_BASE_SEC' });
    }
    if (env.DELIVERY_LEASE_SEC * 1000 <= env.WEBHOOK_TIMEOUT_MS) {
      ctx.addIssue({ code: 'custom', path: ['DELIVERY_LEASE_SEC'], message: 'longer than WEBHOOK_TIMEOUT_MS' });
    }
  });
export type NotifierEnv = z.infer<typeof notifierEnv>;
