// The ingest service's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import { availableParallelism } from 'node:os';
import { commonEnv, envBool, kafkaEnv, mysqlEnv, signingSecrets } from '@reelforge/config';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const ingestEnv = z.object({
  ...commonEnv,
  ...kafkaEnv,
  /** Only API keys are read from MySQL (once per key per API_KEY_CACHE_SEC and process); sessions need none. */
  MYSQL_URL: mysqlEnv.MYSQL_URL,
  MYSQL_POOL_SIZE: positiveInt(2),
  /** How long a key's lookup is trusted: a revoked key is refused at most this long after the revoke. */
  API_KEY_CACHE_SEC: positiveInt(10),
  AWS_REGION: z.string().default('us-east-1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * Processes sharing PORT, one per vCPU the replica is given (`auto`: as many as the machine has). One process is
   * one JavaScript thread; the per-session and per-address rate limits are per process.
   */
  WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().positive().max(64)])
    .default(1)
    .transform((n) => (n === 'auto' ? availableParallelism() : n)),
  /** Behind a load balancer, the client IP recorded on each event comes from X-Forwarded-For. */
  TRUST_PROXY: envBool.default(false),
  BODY_LIMIT_BYTES: positiveInt(4 * 1024 * 1024),
  MAX_EVENTS_PER_REQUEST: positiveInt(10_000),
  /** Verify playback session tokens: upload-api's PLAYBACK_SESSION_SECRETS, same order (newest first). */
  PLAYBACK_SESSION_SECRETS: signingSecrets,
  /** Per playback session: a steady rate with room for a player that uploads what it queued while offline. */
  RATE_LIMIT_EVENTS_PER_SEC: positiveInt(20),
  RATE_LIMIT_BURST: positiveInt(1000),
  /** Per client address: many viewers may share one (a household, a carrier's NAT), so well above a session's. */
  RATE_LIMIT_IP_EVENTS_PER_SEC: positiveInt(1000),
  RATE_LIMIT_IP_BURST: positiveInt(20_000),
  /** Per API key (the operator's servers and apps, analytics events): a whole fleet's stream, well above an address's. */
  RATE_LIMIT_API_KEY_EVENTS_PER_SEC: positiveInt(5000),
  RATE_LIMIT_API_KEY_BURST: positiveInt(100_000),
  /**
   * Values per Kafka produce request. One request holds one record batch per partition and the broker refuses a
   * batch over message.max.bytes (1 MiB by default), so this stays under it even if every event hashes to one
   * partition.
   */
  PRODUCE_MAX_BYTES: positiveInt(768 * 1024),
  /** Accepted but not yet acknowledged bytes; beyond this requests get 429 instead of growing the heap. */
  PRODUCE_MAX_PENDING_BYTES: positiveInt(64 * 1024 * 1024),
  /** Create engagement.events at start-up if missing (local stacks; on MSK the infrastructure does it). */
  ENSURE_TOPICS: envBool.default(true),
  SHUTDOWN_GRACE_MS: positiveInt(25_000),
});
export type IngestEnv = z.infer<typeof ingestEnv>;
