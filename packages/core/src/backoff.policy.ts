// Exponential backoff with jitter, as one pure function: every retry delay in Reelforge (consumer retries, outbox
// rows, video attempts, transient MySQL errors, chunk flushes) is this step with its own base, cap and jitter.

/**
 * How the random part spreads the step:
 * - `none`: exactly the step (one caller retrying one thing: no herd to spread, and exact values to test);
 * - `equal`: half fixed, half random, in [step/2, step) — spread out, yet never back at once;
 * - `full`: anywhere in [0, step) — the widest spread, for contenders on one resource (deadlocks);
 * - `{ ratio }`: step × (1 ± ratio), around the step.
 */
export type Jitter = 'none' | 'equal' | 'full' | { ratio: number };

export interface BackoffOptions {
  /** The step after the first failure. */
  baseMs: number;
  /** No step grows beyond this. */
  capMs: number;
  /** Default `none`. */
  jitter?: Jitter;
  /** Math.random's contract, [0, 1); pass a fixed one for deterministic values. */
  random?: () => number;
}

/**
 * The delay (whole milliseconds) after failure number `failures` (1-based): a step of base·2^(failures−1) capped
 * at `capMs`, then jittered.
 */
export function backoffMs(failures: number, opts: BackoffOptions): number {
  if (!Number.isInteger(failures) || failures < 1) {
    throw new RangeError(`failures must be an integer ≥ 1, got ${failures}`);
  }
  if (!(opts.baseMs > 0) || !(opts.capMs >= opts.baseMs)) throw new RangeError('backoff needs 0 < baseMs ≤ capMs');
  // 2 ** n is Infinity past n = 1023, which min() turns into the cap rather than NaN.
  const step = Math.min(opts.capMs, opts.baseMs * 2 ** (failures - 1));
  const jitter = opts.jitter ?? 'none';
  if (jitter === 'none') return Math.round(step);
  const r = Math.min(Math.max((opts.random ?? Math.random)(), 0), 1);
  if (jitter === 'equal') return Math.round((step / 2) * (1 + r));
  if (jitter === 'full') return Math.round(step * r);
  return Math.round(step * (1 - jitter.ratio + 2 * jitter.ratio * r));
}
