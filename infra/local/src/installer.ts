// Installs what the local stack needs, once, from the registries this project may use: Debian packages (FFmpeg,
// MariaDB, Prometheus, Java, Maven), Kafka's jars from Maven Central, moto from PyPI. Cached for the next run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, KAFKA_VERSION, MOTO_VERSION, ROOT } from './stack.config.js';

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

function run(cmd: string, args: string[], what: string, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} ${args.join(' ')} exited ${r.status ?? r.signal})`);
}

/** Binary → the Debian package that provides it. */
const debianPackages: Record<string, string> = {
  ffmpeg: 'ffmpeg',
  ffprobe: 'ffmpeg',
  mariadbd: 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  mariadb: 'mariadb-client',
  prometheus: 'prometheus',
  promtool: 'prometheus',
  java: 'openjdk-17-jre-headless',
  mvn: 'maven',
  python3: 'python3',
  curl: 'curl',
};

export function ensureSystemPackages(log: (s: string) => void): void {
  const pkgs = [
    ...new Set(
      Object.entries(debianPackages)
        .filter(([bin]) => !has(bin))
        .map(([, pkg]) => pkg),
    ),
  ];
  if (!has('python3') || spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status !== 0) {
    pkgs.push('python3-venv');
  }
  if (pkgs.length === 0) return;
  if (!has('apt-get'))
    throw new Error(`missing ${pkgs.join(', ')} and no apt-get to install them; install them by hand`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  if (sudo.length && !has('sudo')) throw new Error(`missing ${pkgs.join(', ')}: run as root or install them by hand`);
  log(`installing Debian packages: ${pkgs.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  run(
    sudo[0] ?? 'apt-get',
    [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'update', '-qq'],
    'apt-get update',
    env,
  );
  run(
    sudo[0] ?? 'apt-get',
    [...(sudo.length ? ['apt-get'] : []), 'install', '-y', '-qq', '--no-install-recommends', ...pkgs],
    'apt-get install',
    env,
  );
}

export function kafkaLibDir(): string {
  return join(CACHE_DIR, `kafka-${KAFKA_VERSION}`, 'libs');
}

export function ensureKafkaJars(log: (s: string) => void): void {
  const libs = kafkaLibDir();
  const stamp = join(libs, '.complete');
  if (existsSync(stamp)) return;
  log(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central`);
  mkdirSync(libs, { recursive: true });
  run(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(ROOT, 'infra/local/kafka/pom.xml'),
      `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    'fetching Kafka with Maven',
  );
  writeFileSync(stamp, new Date().toISOString());
}

export function motoBin(): string {
  return join(CACHE_DIR, `moto-${MOTO_VERSION}`, 'bin', 'moto_server');
}

export function ensureMoto(log: (s: string) => void): void {
  if (existsSync(motoBin())) return;
  const venv = join(CACHE_DIR, `moto-${MOTO_VERSION}`);
  log(`installing moto ${MOTO_VERSION} (PyPI) into ${venv}`);
  run('python3', ['-m', 'venv', '--clear', venv], 'creating the moto virtualenv');
  run(join(venv, 'bin', 'pip'), ['install', '-q', `moto[server]==${MOTO_VERSION}`], 'installing moto');
}
