// When the reaper may give up on a job: the source's duration (a default when it is not known yet, as at the first
// attempt) times a factor, plus an allowance for starting the task and moving the files.
export interface DeadlinePolicy {
  /** Seconds of transcoding allowed per second of video. */
  factor: number;
  /** Task start-up (Fargate image pull), download and upload time, in seconds. */
  startupSec: number;
  /** The duration assumed when the source's is unknown, in seconds. */
  defaultDurationSec: number;
}

export function jobDeadline(createdAt: Date, durationSec: number | null, policy: DeadlinePolicy): Date {
  const duration = durationSec !== null && Number.isFinite(durationSec) && durationSec > 0 ? durationSec : null;
  const budgetSec = (duration ?? policy.defaultDurationSec) * policy.factor + policy.startupSec;
  return new Date(createdAt.getTime() + Math.ceil(budgetSec * 1000));
}
