// The services' container entrypoint: builds MYSQL_URL from the pieces ECS injects from Secrets Manager, optionally
// runs the schema migrations, then runs the service's main module (CMD) in this same process.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PIECES = ['MYSQL_HOST', 'MYSQL_USER', 'MYSQL_PASSWORD', 'MYSQL_DATABASE'];

/** @typedef {{ url?: string, missing: string[] }} MysqlUrlResult */

/**
 * MYSQL_URL as the services' mysqlEnv expects it. User, password and database are URL-encoded (mysql2 decodes
 * them): a generated password may hold any of : @ / ? # %. An explicit MYSQL_URL wins; no pieces at all is fine
 * (a service without a database); some pieces but not all is a misconfiguration, reported by name.
 * @param {Record<string, string | undefined>} env
 * @returns {MysqlUrlResult}
 */
export function mysqlUrlFromEnv(env) {
  if (env.MYSQL_URL) return { url: env.MYSQL_URL, missing: [] };
  const missing = PIECES.filter((name) => env[name] === undefined || env[name] === '');
  if (missing.length === PIECES.length) return { missing: [] };
  if (missing.length > 0) return { missing };
  const enc = encodeURIComponent;
  const port = env.MYSQL_PORT || '3306';
  return {
    url: `mysql://${enc(env.MYSQL_USER)}:${enc(env.MYSQL_PASSWORD)}@${env.MYSQL_HOST}:${port}/${enc(env.MYSQL_DATABASE)}`,
    missing: [],
  };
}

/** Where `pnpm deploy` puts @reelforge/db's migration CLI in a service image that depends on it. */
const MIGRATE = 'node_modules/@reelforge/db/dist/migrate.js';

async function main() {
  const env = process.env;
  const { url, missing } = mysqlUrlFromEnv(env);
  if (missing.length > 0) {
    process.stderr.write(
      `invalid configuration:\n${missing.map((m) => `  ${m}: required with the other MYSQL_*`).join('\n')}\n`,
    );
    process.exit(78);
  }
  if (url) env.MYSQL_URL = url;
  // The URL now carries it; one copy of a secret in the environment is enough.
  delete env.MYSQL_PASSWORD;

  // Kysely's migrator takes a lock, so every replica may run this at start and only one migrates.
  if (env.MIGRATE_ON_START === 'true') {
    const { status } = spawnSync(process.execPath, [resolve(MIGRATE), 'up'], { stdio: 'inherit' });
    if (status !== 0) process.exit(status ?? 1);
  }

  const [main = 'dist/main.js', ...args] = process.argv.slice(2);
  const path = resolve(main);
  // The service sees itself as the entry module, as with `node dist/main.js`.
  process.argv = [process.argv[0] ?? process.execPath, path, ...args];
  await import(pathToFileURL(path).href);
}

// import.meta.main is Node ≥ 24.2; the argv comparison covers older 24.x images, and keeps imports (tests) inert.
if (import.meta.main ?? process.argv[1] === fileURLToPath(import.meta.url)) await main();
