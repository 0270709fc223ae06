// How long a consumer waits before calling a failing handler again. Deterministic (no jitter): one consumer retries
// one message at a time, so there is no herd to spread out, and tests can assert exact delays.
import { backoffMs } from '@reelforge/core';

export interface RetryPolicy {
  /** Handler calls per delivery, the first included. 1 means no in-process retry. */
  attempts: number;
  initialMs: number;
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, initialMs: 200, maxMs: 10_000 };

/** The pause after failed attempt `attempt` (1-based): initialMs, 2×, 4×, … capped at maxMs. */
export const retryDelayMs = (attempt: number, policy: Pick<RetryPolicy, 'initialMs' | 'maxMs'>): number =>
  backoffMs(attempt, { baseMs: policy.initialMs, capMs: policy.maxMs });

export { sleep } from '@reelforge/core';
