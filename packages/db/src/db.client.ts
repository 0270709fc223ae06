// The one way to open the database: a mysql2 pool behind Kysely, with session settings every repository relies on.
import { CamelCasePlugin, CompiledQuery, Kysely, MysqlDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import type { Database } from './database.js';

export interface DbOptions {
  /** mysql://user:password@host:port/database */
  url: string;
  poolSize?: number;
}

export function createDb({ url, poolSize = 10 }: DbOptions): Kysely<Database> {
  const pool = createPool({
    uri: url,
    connectionLimit: poolSize,
    // DATETIME carries no zone: write and read it as UTC, as Date objects.
    timezone: 'Z',
    dateStrings: false,
    // Compare-and-set updates report rows *matched*, so re-setting a value that is already there still counts.
    flags: ['FOUND_ROWS'],
  });
  return new Kysely<Database>({
    dialect: new MysqlDialect({
      pool,
      onCreateConnection: async (conn) => {
        // NOW()/CURRENT_TIMESTAMP defaults in UTC too, whatever the server's zone.
        await conn.executeQuery(CompiledQuery.raw("SET time_zone = '+00:00'"));
        // READ COMMITTED takes no gap locks: a relay or reaper holding a SKIP LOCKED batch open while it publishes
        // would otherwise block every INSERT into the range it scanned (new outbox rows, new jobs).
        await conn.executeQuery(CompiledQuery.raw('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'));
      },
    }),
    plugins: [new CamelCasePlugin()],
  });
}

/** For readiness checks: resolves when the database answers a query within `timeoutMs`, throws otherwise. */
export async function pingDb(db: Kysely<Database>, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`SELECT 1`.execute(db), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
