// The one seam between the dispatcher and where transcoder tasks run: ECS Fargate in AWS, a child process locally,
// nothing at all for benchmarks. Everything else (claims, retries, the reaper) is the same whichever is chosen.
import type { TranscodeJobSpecV1 } from '@reelforge/contracts';
import type { Launcher } from '@reelforge/db';

export interface LaunchRequest {
  jobId: string;
  spec: TranscodeJobSpecV1;
  /** Derived from (videoId, attempt): launching twice with it starts one task (ECS RunTask clientToken). */
  token: string;
  /** The latest deadline the job can be given: what the task is handed for storage need not last longer. */
  storageUntil?: Date;
}

export interface LaunchedTask {
  /** ECS task ARN, local pid, …: what describe() and stop() take. */
  taskId: string;
  /**
   * Settles when the task has ended, for launchers that can see it end (a local child). The dispatcher holds a
   * concurrency slot until then; without it the slot is freed as soon as launch() returns.
   */
  ended?: Promise<void>;
}

export type TaskStatus =
  | { state: 'running' }
  /** Gone. `stoppedAt` unknown means long enough ago that no result can still be on its way. */
  | { state: 'stopped'; exitCode: number | null; reason: string; stoppedAt?: Date }
  /** This launcher cannot tell (another replica's child, an API hiccup): judge it at the deadline. */
  | { state: 'unknown' };

export interface TaskLauncher {
  readonly kind: Launcher;
  /** Throws an AppError: LAUNCH_FAILED when another try may succeed, a non-retryable code when it cannot. */
  launch(request: LaunchRequest): Promise<LaunchedTask>;
  /** A status for every id asked about. */
  describe(taskIds: readonly string[]): Promise<Map<string, TaskStatus>>;
  stop(taskId: string, reason: string): Promise<void>;
  /** Lets running tasks finish within `graceMs` (then stops them, if they are this process's), frees resources. */
  close(graceMs: number): Promise<void>;
}

/** The container environment every launcher gives a task: the transcoder's task mode reads JOB_SPEC. */
export function taskEnvironment(request: LaunchRequest): { name: string; value: string }[] {
  return [
    { name: 'JOB_SPEC', value: JSON.stringify(request.spec) },
    { name: 'VIDEO_ID', value: request.spec.videoId },
    { name: 'ATTEMPT', value: String(request.spec.attempt) },
  ];
}
