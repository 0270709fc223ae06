// The completion service's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import { commonEnv, kafkaEnv, mysqlEnv, outboxRelayEnv, s3Env } from '@reelforge/config';
import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().positive().default(fallback);

export const completionEnv = z
  .object({
    ...commonEnv,
    ...kafkaEnv,
    ...mysqlEnv,
    /** PROCESSED_BUCKET: outputs of attempts that can never be shown are deleted there. */
    ...s3Env,
    /** Retries go out through the outbox: this service publishes its own rows. */
    ...outboxRelayEnv,
    OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9402),
    CONSUMER_GROUP: z.string().min(1).default('reelforge-completion'),
    /**
     * Handler failures that are not transient (a bug, a report the database refuses) after which a report is parked
     * in its DLQ and, for a result, its attempt failed with PROCESSING_FAILED; transient ones are retried without limit.
     */
    CONSUMER_POISON_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    /** Attempts a video gets in all, the first included; a retryable failure of the last one fails the video. */
    MAX_ATTEMPTS: z.coerce.number().int().min(1).default(3),
    /** The delay before the second attempt; it doubles per attempt up to RETRY_MAX_SEC. */
    RETRY_BASE_SEC: seconds(5),
    RETRY_MAX_SEC: seconds(300),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(25_000),
  })
  .superRefine((env, ctx) => {
    if (env.RETRY_MAX_SEC < env.RETRY_BASE_SEC) {
      ctx.addIssue({ code: 'custom', path: ['RETRY_MAX_SEC'], message: 'at least RETRY_BASE_SEC' });
    }
  });
export type CompletionEnv = z.infer<typeof completionEnv>;
