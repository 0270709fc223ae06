// The one way to run a multi-statement transaction: the whole function runs again, in a new transaction, when the
// server reports a transient failure (deadlock victim, lock wait timeout, connection lost or refused), after a
// backoff and within a bound; any other error rolls back and is thrown at once.
import { type BackoffOptions, backoffMs, sleep } from '@reelforge/core';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';
import { isTransientMysqlError } from './mysql.errors.js';

export interface TransactionRetry {
  /** Runs in all, the first included. Default 5. */
  attempts?: number;
  /** Default: 20 ms doubling to 1 s, full jitter (contenders for the same rows should not come back together). */
  backoff?: BackoffOptions;
  /** Told of each transient failure before the wait that follows it: logs, metrics, tests. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

const defaultBackoff: BackoffOptions = { baseMs: 20, capMs: 1000, jitter: 'full' };

/**
 * Runs `fn` in a transaction and returns what it returns. `fn` may run more than once, so it must do nothing but
 * database work through `tx` (no sends, no S3 calls, no metrics): a rolled-back run must leave no trace.
 *
 * A connection lost during COMMIT is ambiguous — the commit may have landed — so a re-run must also be harmless
 * after a commit: compare-and-set updates and inserts under a unique key are; the caller handles what they report.
 */
export async function transaction<T>(
  db: Kysely<Database>,
  fn: (tx: Transaction<Database>) => Promise<T>,
  opts: TransactionRetry = {},
): Promise<T> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (attempt >= attempts || !isTransientMysqlError(err)) throw err;
      const delayMs = backoffMs(attempt, opts.backoff ?? defaultBackoff);
      opts.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
