// How long a consumer waits before calling a failing handler again. Deterministic (no jitter): one consumer retries
// one message at a time, so there is no herd to spread out, and tests can assert exact delays.

export interface RetryPolicy {
  /** Handler calls per delivery, the first included. 1 means no in-process retry. */
  attempts: number;
  initialMs: number;
  maxMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, initialMs: 200, maxMs: 10_000 };

/** The pause after failed attempt `attempt` (1-based): initialMs, 2×, 4×, … capped at maxMs. */
export function retryDelayMs(attempt: number, policy: Pick<RetryPolicy, 'initialMs' | 'maxMs'>): number {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));
}

/** Resolves after `ms`, or early with `false` when the signal aborts (the consumer is stopping). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
