// `./reelforge apikey create NAME | list | revoke ID`: the API keys analytics senders authenticate with at
// events-ingest (docs/api-keys.md). Talks to MySQL directly (MYSQL_URL, else the local stack's): it is an operator's
// tool, and the key is printed once and stored only as a hash.
import { ApiKeyRepository, createDb } from '@reelforge/db';
import { UsageError } from './client/cli.config.js';
import { stackEnv } from './stack.config.js';

const usage = 'usage: ./reelforge apikey create NAME | list | revoke ID';

/** The lines to print; kept apart from the process so a test can run it against a database of its own. */
export async function runApiKeyCommand(keys: ApiKeyRepository, args: string[]): Promise<string[]> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const name = rest.join(' ').trim();
      if (name === '' || name.length > 128) throw new UsageError(`${usage}\n(NAME: 1 to 128 characters)`);
      const { id, key } = await keys.create(name);
      return [`id   ${id}`, `key  ${key}`, 'keep the key now: it is stored only as a hash and cannot be shown again'];
    }
    case 'list':
      return (await keys.list()).map(
        (k) =>
          `${k.id}  ${k.keyPrefix}…  ${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'}  ${k.name}`,
      );
    case 'revoke': {
      const [id] = rest;
      if (id === undefined) throw new UsageError(usage);
      if (!(await keys.revoke(id))) throw new Error(`no active API key ${id}`);
      return [`revoked ${id} (events-ingest refuses it within its API_KEY_CACHE_SEC)`];
    }
    default:
      throw new UsageError(usage);
  }
}

export async function apiKeyCommand(args: string[]): Promise<number> {
  const db = createDb({ url: process.env.MYSQL_URL ?? (stackEnv().MYSQL_URL as string), poolSize: 1 });
  try {
    for (const line of await runApiKeyCommand(new ApiKeyRepository(db), args)) process.stdout.write(`${line}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}
