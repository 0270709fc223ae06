import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mysqlEnv } from '@reelforge/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlUrlFromEnv } from '../../../docker/entrypoint.mjs';

const run = promisify(execFile);
const entrypoint = fileURLToPath(new URL('../../../docker/entrypoint.mjs', import.meta.url));

const pieces = {
  MYSQL_HOST: 'db.internal',
  MYSQL_PORT: '3306',
  MYSQL_USER: 'reelforge',
  MYSQL_PASSWORD: 'p@ss:w/rd?#%&=',
  MYSQL_DATABASE: 'reelforge',
};

describe('mysqlUrlFromEnv', () => {
  it('encodes a generated password so the URL survives it, and the services accept the URL', () => {
    const { url, missing } = mysqlUrlFromEnv(pieces);
    expect(missing).toEqual([]);
    expect(url).toBe('mysql://reelforge:p%40ss%3Aw%2Frd%3F%23%25%26%3D@db.internal:3306/reelforge');
    const parsed = new URL(url as string);
    expect(decodeURIComponent(parsed.password)).toBe(pieces.MYSQL_PASSWORD);
    expect(parsed.hostname).toBe('db.internal');
    expect(mysqlEnv.MYSQL_URL.parse(url)).toBe(url);
  });

  it('keeps an explicit MYSQL_URL, accepts no pieces at all, and names the missing ones of a partial set', () => {
    expect(mysqlUrlFromEnv({ ...pieces, MYSQL_URL: 'mysql://a:b@c:3306/d' }).url).toBe('mysql://a:b@c:3306/d');
    expect(mysqlUrlFromEnv({})).toEqual({ missing: [] });
    expect(mysqlUrlFromEnv({ MYSQL_HOST: 'h', MYSQL_USER: 'u' })).toEqual({
      missing: ['MYSQL_PASSWORD', 'MYSQL_DATABASE'],
    });
    expect(mysqlUrlFromEnv({ ...pieces, MYSQL_PORT: undefined }).url).toBe(
      'mysql://reelforge:p%40ss%3Aw%2Frd%3F%23%25%26%3D@db.internal:3306/reelforge',
    );
  });
});

describe('entrypoint process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reelforge-entrypoint-'));
    await mkdir(join(dir, 'dist'));
    // Stands in for a service's dist/main.js: reports what it was started with.
    await writeFile(
      join(dir, 'dist/main.js'),
      `import { appendFileSync } from 'node:fs';
       appendFileSync('order.log', 'main\\n');
       console.log(JSON.stringify({ url: process.env.MYSQL_URL, password: process.env.MYSQL_PASSWORD ?? null,
         entry: process.argv[1], args: process.argv.slice(2) }));`,
    );
    await mkdir(join(dir, 'node_modules/@reelforge/db/dist'), { recursive: true });
    await writeFile(
      join(dir, 'node_modules/@reelforge/db/dist/migrate.js'),
      `import { appendFileSync } from 'node:fs';
       appendFileSync('order.log', 'migrate ' + process.argv[2] + ' ' + process.env.MYSQL_URL + '\\n');
       process.exit(process.env.FAIL_MIGRATION ? 3 : 0);`,
    );
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const start = (env: Record<string, string>, args: string[] = []) =>
    run(process.execPath, [entrypoint, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } });

  it('runs dist/main.js by default, in-process, with MYSQL_URL built and the password piece dropped', async () => {
    const { stdout } = await start(pieces);
    expect(JSON.parse(stdout)).toEqual({
      url: mysqlUrlFromEnv(pieces).url,
      password: null,
      entry: join(dir, 'dist/main.js'),
      args: [],
    });
  });

  it('runs another module with its arguments (a one-off command as the ECS override)', async () => {
    const { stdout } = await start({}, ['dist/main.js', 'status', '--verbose']);
    expect(JSON.parse(stdout)).toMatchObject({ entry: join(dir, 'dist/main.js'), args: ['status', '--verbose'] });
  });

  it('migrates before starting when asked, and does not start when the migration fails', async () => {
    await rm(join(dir, 'order.log'), { force: true });
    await start({ ...pieces, MIGRATE_ON_START: 'true' });
    expect(await readFile(join(dir, 'order.log'), 'utf8')).toBe(`migrate up ${mysqlUrlFromEnv(pieces).url}\nmain\n`);

    await rm(join(dir, 'order.log'), { force: true });
    const failed = await start({ ...pieces, MIGRATE_ON_START: 'true', FAIL_MIGRATION: '1' }).catch((e: unknown) => e);
    expect((failed as { code: number }).code).toBe(3);
    expect(await readFile(join(dir, 'order.log'), 'utf8')).toBe(`migrate up ${mysqlUrlFromEnv(pieces).url}\n`);
  });

  it('refuses a partial set of MySQL pieces with exit 78, naming what is missing', async () => {
    const failed = (await start({ MYSQL_HOST: 'h', MYSQL_USER: 'u' }).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(failed.code).toBe(78);
    expect(failed.stderr).toContain('MYSQL_PASSWORD: required with the other MYSQL_*');
    expect(failed.stderr).toContain('MYSQL_DATABASE: required with the other MYSQL_*');
  });
});
