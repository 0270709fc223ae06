// When the reaper may give up on a job: the source's duration (a default when it is not known yet, as at the first
// attempt) times a factor, plus an allowance for starting the task and moving the files.
export interface DeadlinePolicy {
  /** Seconds of transcoding allowed per second of video. */
  factor: number;
  /** Task start-up (Fargate image pull), download and upload time, in seconds. */
  startupSec: number;
  /** The duration assumed when the source's is unknown, in seconds. */
  defaultDurationSec: number;
  /**
   * The longest source a task accepts (the transcoder's MAX_DURATION_SEC), in seconds: the task's report of the real
   * duration can move the deadline up to what this allows. Absent: no later than the first deadline.
   */
  maxDurationSec?: number;
}

export function jobDeadline(createdAt: Date, durationSec: number | null, policy: DeadlinePolicy): Date {
  const duration = durationSec !== null && Number.isFinite(durationSec) && durationSec > 0 ? durationSec : null;
  const budgetSec = (duration ?? policy.defaultDurationSec) * policy.factor + policy.startupSec;
  return new Date(createdAt.getTime() + Math.ceil(budgetSec * 1000));
}

/**
 * The latest deadline a job started at `from` can be given once its task reports the real duration (see
 * transcode-started.policy.ts): how long whatever the task is handed for its work must last.
 */
export function latestDeadline(from: Date, durationSec: number | null, policy: DeadlinePolicy): Date {
  const first = jobDeadline(from, durationSec, policy);
  if (policy.maxDurationSec === undefined) return first;
  const longest = jobDeadline(from, policy.maxDurationSec, policy);
  return new Date(Math.max(longest.getTime(), first.getTime()));
}
