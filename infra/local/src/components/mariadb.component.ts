// Debian's MariaDB as the MySQL server: our own data dir and socket, so it never touches a system instance.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen, startDetached } from '../process.supervisor.js';
import { ports, STATE_DIR } from '../stack.config.js';
import type { Component } from './component.js';

const dir = join(STATE_DIR, 'mysql');
const dataDir = join(dir, 'data');
const socket = join(dir, 'mysqld.sock');
// mariadbd refuses to run as root unless told to; as anyone else it runs as that user.
const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];

function sql(statement: string) {
  const r = spawnSync('mariadb', ['--socket', socket, '-uroot', '-e', statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`MariaDB bootstrap failed: ${r.stderr}`);
  return r.stdout;
}

export const mariadb: Component = {
  name: 'mariadb',
  url: `mysql://127.0.0.1:${ports.mysql}`,
  port: ports.mysql,
  startupTimeoutMs: 60_000,
  install() {},
  start() {
    if (!existsSync(join(dataDir, 'mysql'))) {
      mkdirSync(dataDir, { recursive: true });
      const r = spawnSync(
        'mariadb-install-db',
        [`--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`mariadb-install-db failed:\n${r.stderr || r.stdout}`);
    }
    startDetached('mariadb', 'mariadbd', [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${ports.mysql}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      ...asRoot,
      '--skip-name-resolve',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      '--default-time-zone=+00:00',
      '--innodb-buffer-pool-size=256M',
      '--max-connections=500',
      // Tests create a database per file; fsync on every commit only slows a throwaway dev server.
      '--innodb-flush-log-at-trx-commit=2',
    ]);
  },
  healthy: () => portOpen(ports.mysql),
  async provision() {
    sql(
      [
        "CREATE USER IF NOT EXISTS 'reelforge'@'%' IDENTIFIED BY 'reelforge'",
        "GRANT ALL PRIVILEGES ON *.* TO 'reelforge'@'%' WITH GRANT OPTION",
        'CREATE DATABASE IF NOT EXISTS reelforge',
      ].join(';'),
    );
  },
};
