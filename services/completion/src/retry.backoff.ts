// How long a video waits before its next attempt: exponential in the attempts already failed, capped, jittered.

export interface BackoffOptions {
  /** The step after the first failed attempt. */
  baseSec: number;
  /** No step grows beyond this. */
  maxSec: number;
}

/**
 * Seconds (millisecond precision) before the attempt that follows failed attempt `failedAttempt` (1-based): a step
 * of base·2^(failedAttempt−1) capped at max, of which half is fixed and half random ("equal jitter"). The random
 * half spreads out the retries of videos that failed together (a broker or S3 outage); the fixed half keeps a
 * retry from coming back at once. `random` is Math.random's contract: [0, 1).
 */
export function retryDelaySec(failedAttempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  if (!Number.isInteger(failedAttempt) || failedAttempt < 1) {
    throw new RangeError(`failedAttempt must be an integer ≥ 1, got ${failedAttempt}`);
  }
  if (!(opts.baseSec > 0) || opts.maxSec < opts.baseSec) {
    throw new RangeError('backoff needs 0 < baseSec ≤ maxSec');
  }
  // 2 ** n is Infinity past n = 1023, which min() turns into the cap rather than NaN.
  const step = Math.min(opts.maxSec, opts.baseSec * 2 ** (failedAttempt - 1));
  const jitter = Math.min(Math.max(random(), 0), 1);
  return Math.round((step / 2) * (1 + jitter) * 1000) / 1000;
}
