// The observability consumer's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import { commonEnv, envBool, kafkaEnv } from '@reelforge/config';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const metricsEnv = z.object({
  ...commonEnv,
  ...kafkaEnv,
  OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9405),
  /** Its own group: it reads every event beside events-lake and never holds the lake up. */
  CONSUMER_GROUP: z.string().min(1).default('engagement-metrics'),
  /**
   * Where a group without committed offsets starts: at the end (default; dashboards show what happens now), or at
   * the start of what the topic retains (its history is then counted as if it had just happened).
   */
  CONSUMER_FROM_BEGINNING: envBool.default(false),
  /** A playback session is active while its last event is younger than this and was not a stop. */
  SESSION_IDLE_SEC: positiveInt(300),
  /** Distinct `source` label values kept; later ones count as `other` (sources are free-form client names). */
  MAX_SOURCES: positiveInt(50),
  /** Create engagement.events at start-up if missing (local stacks; on MSK the infrastructure does it). */
  ENSURE_TOPICS: envBool.default(true),
  SHUTDOWN_GRACE_MS: positiveInt(25_000),
});
export type MetricsEnv = z.infer<typeof metricsEnv>;
