// What a launch the platform had no room for becomes: the job goes back to wait (pending, no attempt spent) and is
// claimed again after a backoff that grows with each wait, instead of failing into a retry that would fail alike.
import { AppError } from '@reelforge/contracts';
import { backoffMs } from '@reelforge/core';

export interface CapacityWaitPolicy {
  /** The first wait; each further one doubles it, up to `capMs`. */
  baseMs: number;
  capMs: number;
}

export type LaunchFailureVerdict = { kind: 'wait'; launchAfter: Date } | { kind: 'fail'; error: AppError };

/** `waits`: how often this job already waited for capacity. */
export function judgeLaunchFailure(
  err: unknown,
  waits: number,
  now: Date,
  policy: CapacityWaitPolicy,
  random: () => number = Math.random,
): LaunchFailureVerdict {
  const error =
    err instanceof AppError ? err : new AppError('LAUNCH_FAILED', `launch failed: ${String(err)}`, { cause: err });
  if (error.code !== 'LAUNCH_CAPACITY') return { kind: 'fail', error };
  const delay = backoffMs(waits + 1, { baseMs: policy.baseMs, capMs: policy.capMs, jitter: 'equal', random });
  return { kind: 'wait', launchAfter: new Date(now.getTime() + delay) };
}
