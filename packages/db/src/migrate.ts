#!/usr/bin/env node
// `node dist/migrate.js up|down|status`: schema migrations against MYSQL_URL (`./reelforge up` runs `up`).
import { loadEnv, mysqlEnv } from '@reelforge/config';
import { z } from 'zod';
import { createDb } from './db.client.js';
import { isMigrateCommand, runMigrateCommand } from './migrator.js';

const command = process.argv[2];
if (!isMigrateCommand(command)) {
  process.stderr.write('usage: migrate.js up|down|status\n');
  process.exit(64);
}

const env = loadEnv(z.object({ MYSQL_URL: mysqlEnv.MYSQL_URL }));
const db = createDb({ url: env.MYSQL_URL, poolSize: 1 });
try {
  for (const line of await runMigrateCommand(db, command)) process.stdout.write(`${line}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
