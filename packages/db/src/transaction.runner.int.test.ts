// The transaction helper against the real server: two transactions that lock two rows in opposite orders really
// deadlock, the server picks a victim (1213), and the helper re-runs it, so both end committed with their writes.
import { createTestDatabase } from '@reelforge/testkit';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from './database.js';
import { createDb } from './db.client.js';
import { transaction } from './transaction.runner.js';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 4 });
  await sql`CREATE TABLE lock_probe (id INT PRIMARY KEY, a INT NOT NULL, b INT NOT NULL) ENGINE=InnoDB`.execute(db);
  await sql`INSERT INTO lock_probe VALUES (1, 0, 0), (2, 0, 0)`.execute(db);
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

it('re-runs the victim of a real deadlock, and both transactions commit their writes once', async () => {
  // Both first locks are taken before either asks for its second: then the two wait for each other.
  let arrived = 0;
  let release: () => void = () => {};
  const bothHoldTheirFirstRow = new Promise<void>((resolve) => {
    release = resolve;
  });
  const barrier = async () => {
    if (++arrived === 2) release();
    await bothHoldTheirFirstRow;
  };
  const deadlocks: unknown[] = [];
  const runs = { a: 0, b: 0 };

  const lockBoth = (column: 'a' | 'b', first: number, second: number) =>
    transaction(
      db,
      async (tx) => {
        runs[column]++;
        await sql`UPDATE lock_probe SET ${sql.ref(column)} = ${sql.ref(column)} + 1 WHERE id = ${first}`.execute(tx);
        if (runs[column] === 1) await barrier();
        await sql`UPDATE lock_probe SET ${sql.ref(column)} = ${sql.ref(column)} + 1 WHERE id = ${second}`.execute(tx);
        return column;
      },
      { onRetry: (err) => deadlocks.push(err) },
    );

  expect(await Promise.all([lockBoth('a', 1, 2), lockBoth('b', 2, 1)])).toEqual(['a', 'b']);
  expect(deadlocks.length).toBeGreaterThanOrEqual(1);
  expect(deadlocks).toMatchObject(deadlocks.map(() => ({ errno: 1213 })));
  expect(runs.a + runs.b).toBe(2 + deadlocks.length);
  // The victim's first run was rolled back: each transaction's writes are there exactly once.
  const rows = await sql<{ id: number; a: number; b: number }>`SELECT id, a, b FROM lock_probe ORDER BY id`.execute(db);
  expect(rows.rows).toEqual([
    { id: 1, a: 1, b: 1 },
    { id: 2, a: 1, b: 1 },
  ]);
});
