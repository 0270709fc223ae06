// The dispatcher's configuration, parsed once at start-up. A wrong or missing variable stops the boot with its name.
import { fileURLToPath } from 'node:url';
import { commonEnv, ecsEnv, envBool, kafkaEnv, mysqlEnv, outboxRelayEnv, s3Env } from '@reelforge/config';
import type { ChunkingV1 } from '@reelforge/contracts';
import type { TaskSize } from '@reelforge/db';
import { z } from 'zod';
import type { EcsLaunchConfig } from './ecs.run-task.js';
import type { DeadlinePolicy } from './job.deadline.js';
import type { CapacityWaitPolicy } from './launch.capacity.policy.js';
import type { ReapGrace } from './reap.verdict.js';

const positive = (fallback: number) => z.coerce.number().positive().default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** Next to this service in the workspace: services/transcoder/dist/task.main.js. */
export const defaultTranscoderEntry = fileURLToPath(new URL('../../transcoder/dist/task.main.js', import.meta.url));

export const dispatcherEnv = z
  .object({
    ...commonEnv,
    ...kafkaEnv,
    ...mysqlEnv,
    ...s3Env,
    // Sources come with each video row; only the processed bucket is the dispatcher's to name.
    RAW_BUCKET: s3Env.RAW_BUCKET.optional(),
    ...ecsEnv,
    /** Launch failures and lost tasks go out through the outbox: this service publishes its own rows. */
    ...outboxRelayEnv,
    OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9401),
    /** Default: ecs when ECS_CLUSTER is set, else local. */
    TASK_LAUNCHER: z.enum(['ecs', 'local']).optional(),
    LOCAL_MAX_CONCURRENCY: count(2),
    /**
     * Transcoder tasks launching or running at once across every replica, counted in MySQL when a job is claimed;
     * jobs over it stay pending and are launched by the recovery pass as tasks end. 0: no cap.
     */
    MAX_RUNNING_TASKS: z.coerce.number().int().min(0).default(0),
    /** A launch the platform had no room for (ECS RESOURCE:*, quota, throttling) waits this long, doubling per wait. */
    CAPACITY_WAIT_BASE_SEC: positive(10),
    CAPACITY_WAIT_MAX_SEC: positive(300),
    TRANSCODER_ENTRY: z.string().min(1).default(defaultTranscoderEntry),
    CONSUMER_GROUP: z.string().min(1).default('reelforge-dispatcher'),
    /** Partitions handled at once by this replica. */
    CONSUMER_CONCURRENCY: count(4),
    /**
     * Messages of one partition handled at once, each of a different video (one video's stay in order); never more
     * than the launch slots, so a local replica does not queue messages it could not launch. The messages in hand
     * are what the database steps batch, so more of them make fewer, larger transactions.
     */
    CONSUMER_MESSAGE_CONCURRENCY: count(64),
    /** How long a silent member keeps its partitions: a crashed replica's messages wait this long for another. */
    CONSUMER_SESSION_TIMEOUT_MS: count(30_000),
    CONSUMER_HEARTBEAT_MS: count(3000),
    /**
     * Handler failures that are not transient (a bug, data the code cannot take) after which a `video.uploaded` is
     * parked in its DLQ and its attempt failed with PROCESSING_FAILED; transient ones are retried without limit.
     */
    CONSUMER_POISON_ATTEMPTS: count(5),
    ENSURE_TOPICS: envBool.default(true),
    /** How often the reaper and the launch recovery run. */
    REAPER_INTERVAL_SEC: positive(15),
    REAPER_BATCH_SIZE: count(100),
    /** How long after a task stopped its result may still be on its way; then the job is lost. */
    TASK_STOPPED_GRACE_SEC: z.coerce.number().min(0).default(30),
    /** The same for a task that exited 0: it published its result, which completion may be slow to record. */
    TASK_SUCCEEDED_GRACE_SEC: z.coerce.number().min(0).default(300),
    /** A job pending or launching this long was left by a dead dispatcher and is relaunched. */
    RECOVER_AFTER_SEC: positive(60),
    JOB_DEADLINE_FACTOR: positive(3),
    JOB_DEADLINE_STARTUP_SEC: z.coerce.number().min(0).default(600),
    /**
     * Assumed source duration until the task reports the real one (video.transcode-started) and for a video whose
     * duration is not known yet; the start-up allowance alone must cover the download and the probe.
     */
    JOB_DEADLINE_DEFAULT_DURATION_SEC: positive(3600),
    /**
     * The longest source the transcoder accepts (keep equal to its MAX_DURATION_SEC): a task's storage session
     * request is signed to last until the deadline such a source would get.
     */
    JOB_DEADLINE_MAX_DURATION_SEC: positive(4 * 3600),
    SHUTDOWN_GRACE_MS: count(25_000),
    /**
     * Chunked transcoding (issue #20): a source longer than the threshold is split by its first task into chunks of
     * about CHUNK_SEC (whole segments, at most CHUNK_MAX of them), each a task of its own, then stitched.
     */
    CHUNK_THRESHOLD_SEC: positive(300),
    CHUNK_SEC: positive(60),
    CHUNK_MAX: z.coerce.number().int().min(2).default(64),
    /** Launches of one part (chunk, aux) before a retryable failure or a lost task fails the whole attempt. */
    CHUNK_MAX_ATTEMPTS: count(3),
    /** The transcoder task's size (ECS CPU units, MiB; CDK passes its task definition's), recorded for its cost. */
    TASK_CPU: count(2048),
    TASK_MEMORY_MIB: count(4096),
  })
  .transform((env) => ({ ...env, TASK_LAUNCHER: env.TASK_LAUNCHER ?? (env.ECS_CLUSTER ? 'ecs' : 'local') }))
  .superRefine((env, ctx) => {
    if (env.CONSUMER_HEARTBEAT_MS * 3 > env.CONSUMER_SESSION_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CONSUMER_HEARTBEAT_MS'],
        message: 'at most a third of CONSUMER_SESSION_TIMEOUT_MS',
      });
    }
    if (env.TASK_SUCCEEDED_GRACE_SEC < env.TASK_STOPPED_GRACE_SEC) {
      ctx.addIssue({ code: 'custom', path: ['TASK_SUCCEEDED_GRACE_SEC'], message: 'at least TASK_STOPPED_GRACE_SEC' });
    }
    if (env.TASK_LAUNCHER !== 'ecs') return;
    for (const name of ['ECS_CLUSTER', 'ECS_TASK_DEFINITION', 'ECS_SUBNETS'] as const) {
      if (!env[name] || (Array.isArray(env[name]) && env[name].length === 0)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'required when TASK_LAUNCHER is ecs' });
      }
    }
  });
export type DispatcherEnv = z.infer<typeof dispatcherEnv>;

export function ecsLaunchConfig(env: DispatcherEnv): EcsLaunchConfig {
  if (!env.ECS_CLUSTER || !env.ECS_TASK_DEFINITION || !env.ECS_SUBNETS) {
    throw new TypeError('ECS_CLUSTER, ECS_TASK_DEFINITION and ECS_SUBNETS are required for the ECS launcher');
  }
  return {
    cluster: env.ECS_CLUSTER,
    taskDefinition: env.ECS_TASK_DEFINITION,
    containerName: env.ECS_CONTAINER_NAME,
    subnets: env.ECS_SUBNETS,
    securityGroups: env.ECS_SECURITY_GROUPS ?? [],
    assignPublicIp: env.ECS_ASSIGN_PUBLIC_IP,
  };
}

export const reapGrace = (env: DispatcherEnv): ReapGrace => ({
  stoppedMs: env.TASK_STOPPED_GRACE_SEC * 1000,
  succeededMs: env.TASK_SUCCEEDED_GRACE_SEC * 1000,
});

export const capacityWaitPolicy = (env: DispatcherEnv): CapacityWaitPolicy => ({
  baseMs: env.CAPACITY_WAIT_BASE_SEC * 1000,
  capMs: Math.max(env.CAPACITY_WAIT_BASE_SEC, env.CAPACITY_WAIT_MAX_SEC) * 1000,
});

/** Infinity when MAX_RUNNING_TASKS is 0. */
export const maxRunningTasks = (env: DispatcherEnv): number =>
  env.MAX_RUNNING_TASKS === 0 ? Number.POSITIVE_INFINITY : env.MAX_RUNNING_TASKS;

export const chunkingOf = (env: DispatcherEnv): ChunkingV1 => ({
  thresholdSec: env.CHUNK_THRESHOLD_SEC,
  chunkSec: env.CHUNK_SEC,
  maxChunks: env.CHUNK_MAX,
});

export const taskSizeOf = (env: DispatcherEnv): TaskSize => ({ cpu: env.TASK_CPU, memoryMib: env.TASK_MEMORY_MIB });

export const deadlinePolicy = (env: DispatcherEnv): DeadlinePolicy => ({
  factor: env.JOB_DEADLINE_FACTOR,
  startupSec: env.JOB_DEADLINE_STARTUP_SEC,
  defaultDurationSec: env.JOB_DEADLINE_DEFAULT_DURATION_SEC,
  maxDurationSec: env.JOB_DEADLINE_MAX_DURATION_SEC,
});
