// Env parsed once at start-up. A wrong variable stops the boot with its name and what was expected, all of them
// at once, so an operator fixes a deployment in one go.
import { parseCidrs } from '@reelforge/core';
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; expected: string }[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.expected}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: issue.path.join('.') || '(env)',
      expected: issue.message,
    })),
  );
}

/** For main.ts: print the problems and exit 78 (EX_CONFIG) instead of throwing a stack trace at the operator. */
export function loadEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  try {
    return parseEnv(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
}

const csv = z
  .string()
  .min(1)
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * HMAC secrets, comma-separated, newest first: a service signs with the first and accepts any, so a secret rotates
 * by putting a new one in front for one token lifetime. Two at most: more would keep retired secrets alive.
 */
export const signingSecrets = csv.pipe(z.array(z.string().min(32, 'each secret at least 32 characters')).min(1).max(2));

/**
 * CIDRs a webhook may be sent to although they are not public addresses, comma-separated: development only
 * (`./reelforge up` allows loopback so receivers on the developer's machine work). Empty, the default, refuses them
 * all; cloud metadata addresses are refused whatever it says.
 */
const webhookAllowedCidrs = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .superRefine((cidrs, ctx) => {
    for (const cidr of cidrs) {
      try {
        parseCidrs([cidr]);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${cidr} is not a CIDR (e.g. 127.0.0.0/8, ::1/128)` });
      }
    }
  });

/** Env fragments every service composes into its own schema. */
export const commonEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
};

/** Where webhooks may go: the API checks a URL's literal address against it, the notifier every resolved address. */
export const webhookTargetsEnv = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: webhookAllowedCidrs,
};

export const kafkaEnv = {
  KAFKA_BROKERS: csv,
  KAFKA_CLIENT_ID: z.string().default('reelforge'),
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).default(6),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  KAFKA_SSL: bool.default(false),
  /** `aws-msk-iam`: SASL/OAUTHBEARER tokens signed with the task's IAM role (Amazon MSK Serverless). */
  KAFKA_SASL: z.enum(['none', 'aws-msk-iam']).default('none'),
};

export const mysqlEnv = {
  MYSQL_URL: z
    .string()
    .url()
    .refine((u) => u.startsWith('mysql://'), 'a mysql:// URL'),
  MYSQL_POOL_SIZE: z.coerce.number().int().min(1).default(10),
};

export const s3Env = {
  AWS_REGION: z.string().default('us-east-1'),
  S3_ENDPOINT: z.string().url().optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  RAW_BUCKET: z.string().min(3),
  PROCESSED_BUCKET: z.string().min(3),
};

/** The outbox relay that every service writing outbox rows runs (packages/outbox). */
export const outboxRelayEnv = {
  OUTBOX_RELAY_ENABLED: bool.default(true),
  /** Pause between polls when the last batch was not full. */
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(500),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** A claimed batch is kept from other relays this long; it must outlast a send to Kafka (timeouts included). */
  OUTBOX_LEASE_SEC: z.coerce.number().int().min(5).default(30),
  /** Sent rows are kept this long (for inspection, replays), then pruned. */
  OUTBOX_RETENTION_DAYS: z.coerce.number().positive().default(7),
  OUTBOX_PRUNE_INTERVAL_SEC: z.coerce.number().int().positive().default(600),
};

/**
 * The ECS Fargate launcher's settings. The AWS stack (infra/aws) exports outputs with exactly these names, and a
 * test there ties the two, so a deployment cannot drift from what the dispatcher reads.
 */
export const ecsEnv = {
  ECS_ENDPOINT: z.string().url().optional(),
  ECS_CLUSTER: z.string().min(1).optional(),
  ECS_TASK_DEFINITION: z.string().min(1).optional(),
  ECS_CONTAINER_NAME: z.string().min(1).default('transcoder'),
  ECS_SUBNETS: csv.optional(),
  ECS_SECURITY_GROUPS: csv.optional(),
  ECS_ASSIGN_PUBLIC_IP: bool.default(false),
  /**
   * The role whose per-job sessions (narrowed by a session policy to the job's source and output prefix) each ECS
   * task gets in its job spec; without it the task uses its own role's credentials (see docs/security.md).
   */
  ECS_TASK_ACCESS_ROLE_ARN: z.string().startsWith('arn:').optional(),
};

export { bool as envBool, csv as envList };
