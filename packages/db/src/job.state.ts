// The transcode job lifecycle (one job per video attempt): which status may follow which.
import { AppError } from '@reelforge/contracts';

export const jobStatuses = ['pending', 'launching', 'running', 'succeeded', 'failed', 'lost'] as const;
export type JobStatus = (typeof jobStatuses)[number];
export type JobOutcome = Extract<JobStatus, 'succeeded' | 'failed' | 'lost'>;

export const launchers = ['ecs', 'local', 'noop'] as const;
export type Launcher = (typeof launchers)[number];

export const jobTransitions: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  pending: ['launching', 'failed'],
  // launching → succeeded/failed: the task's result can arrive before the dispatcher has recorded the launch.
  // launching → lost: the reaper gives up on a launch that never reported running before the deadline.
  // launching → pending: the platform had no capacity; the job waits to be claimed again.
  launching: ['pending', 'running', 'succeeded', 'failed', 'lost'],
  running: ['succeeded', 'failed', 'lost'],
  succeeded: [],
  failed: [],
  lost: [],
};

export const canTransitionJob = (from: JobStatus, to: JobStatus): boolean => jobTransitions[from].includes(to);

export function assertJobTransition(from: JobStatus, to: JobStatus): void {
  if (!canTransitionJob(from, to)) throw new AppError('CONFLICT', `job cannot move from ${from} to ${to}`);
}

/** The statuses a job may be in for `to` to be its next one: the guard of a compare-and-set UPDATE. */
export const jobStatusesBefore = (to: JobStatus): JobStatus[] =>
  jobStatuses.filter((from) => canTransitionJob(from, to));

/**
 * How many more jobs may be claimed for launch when `inFlight` are launching or running under a global cap of
 * `maxInFlight` (Infinity: no cap). Never negative: a cap lowered below what runs only stops new claims.
 */
export function freeLaunchSlots(maxInFlight: number, inFlight: number): number {
  return Math.max(0, maxInFlight - inFlight);
}
