// The retry loop on a stand-in for Kysely that only runs the callback; the real server is in the .int test.
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { transaction } from './transaction.runner.js';

const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock'), { errno: 1213 });
const fakeDb = {
  transaction: () => ({ execute: (fn: (tx: unknown) => unknown) => fn({}) }),
} as unknown as Kysely<Database>;
const quick = { baseMs: 1, capMs: 1 };

describe('transaction', () => {
  it('runs the function again after a transient error, and returns what the successful run returns', async () => {
    const retries: [number, number][] = [];
    let runs = 0;
    const result = await transaction(
      fakeDb,
      async () => {
        if (++runs < 3) throw deadlock();
        return 'done';
      },
      { backoff: quick, onRetry: (_err, attempt, delayMs) => retries.push([attempt, delayMs]) },
    );
    expect(result).toBe('done');
    expect(runs).toBe(3);
    expect(retries).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('gives up after the bound with the last error', async () => {
    let runs = 0;
    const err = await transaction(
      fakeDb,
      async () => {
        runs++;
        throw deadlock();
      },
      { attempts: 3, backoff: quick },
    ).catch((e: unknown) => e);
    expect(runs).toBe(3);
    expect(err).toMatchObject({ errno: 1213 });
  });

  it('throws any other error at once', async () => {
    let runs = 0;
    const refusal = new Error('not allowed');
    await expect(
      transaction(fakeDb, async () => {
        runs++;
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(runs).toBe(1);
  });
});
