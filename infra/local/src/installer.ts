// Installs what the local stack needs, once, from the registries this project may use: Debian packages (FFmpeg,
// MariaDB, Redis, Prometheus, Java, Maven, Chromium for the browser tests), Kafka's and s3proxy's jars from Maven
// Central, moto and schemathesis from PyPI (each in its own virtualenv). Cached for the next run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CACHE_DIR,
  KAFKA_VERSION,
  MOTO_VERSION,
  ROOT,
  S3PROXY_VERSION,
  SCHEMATHESIS_VERSION,
  STANDARDWEBHOOKS_VERSION,
  schemathesisBin,
} from './stack.config.js';

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
  'redis-server': 'redis-server',
  prometheus: 'prometheus',
  promtool: 'prometheus',
  java: 'openjdk-17-jre-headless',
  mvn: 'maven',
  python3: 'python3',
  curl: 'curl',
  // The web app's browser tests drive it with playwright-core (e2e/src/browser.ts); no browser download.
  chromium: 'chromium',
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

/** A Java program from Maven Central: `infra/local/<name>/pom.xml` names it, `<version>` pins it. */
interface MavenRuntime {
  name: string;
  title: string;
  version: string;
}

const kafkaRuntime: MavenRuntime = { name: 'kafka', title: 'Apache Kafka', version: KAFKA_VERSION };
const s3proxyRuntime: MavenRuntime = { name: 's3proxy', title: 's3proxy', version: S3PROXY_VERSION };

const libDir = (r: MavenRuntime) => join(CACHE_DIR, `${r.name}-${r.version}`, 'libs');

function ensureMavenRuntime(r: MavenRuntime, log: (s: string) => void): void {
  const libs = libDir(r);
  const stamp = join(libs, '.complete');
  if (existsSync(stamp)) return;
  log(`fetching ${r.title} ${r.version} jars from Maven Central`);
  mkdirSync(libs, { recursive: true });
  run(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(ROOT, `infra/local/${r.name}/pom.xml`),
      `-D${r.name}.version=${r.version}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    `fetching ${r.title} with Maven`,
  );
  writeFileSync(stamp, new Date().toISOString());
}

export const kafkaLibDir = () => libDir(kafkaRuntime);
export const ensureKafkaJars = (log: (s: string) => void) => ensureMavenRuntime(kafkaRuntime, log);
export const s3proxyLibDir = () => libDir(s3proxyRuntime);
export const ensureS3proxyJars = (log: (s: string) => void) => ensureMavenRuntime(s3proxyRuntime, log);

export function motoBin(): string {
  return join(CACHE_DIR, `moto-${MOTO_VERSION}`, 'bin', 'moto_server');
}

/** A pinned PyPI package in its own virtualenv under the cache; `bin` is the file whose presence means done. */
function ensurePythonTool(name: string, requirement: string, venv: string, bin: string, log: (s: string) => void) {
  if (existsSync(bin)) return;
  log(`installing ${requirement} (PyPI) into ${venv}`);
  run('python3', ['-m', 'venv', '--clear', venv], `creating the ${name} virtualenv`);
  run(join(venv, 'bin', 'pip'), ['install', '-q', requirement], `installing ${name}`);
}

export function ensureMoto(log: (s: string) => void): void {
  const venv = join(CACHE_DIR, `moto-${MOTO_VERSION}`);
  ensurePythonTool('moto', `moto[server]==${MOTO_VERSION}`, venv, motoBin(), log);
}

/** The API fuzzer the upload API's OpenAPI test runs (services/upload-api/src/openapi.fuzz.int.test.ts). */
export function ensureSchemathesis(log: (s: string) => void): void {
  const venv = join(CACHE_DIR, `schemathesis-${SCHEMATHESIS_VERSION}`);
  ensurePythonTool('schemathesis', `schemathesis==${SCHEMATHESIS_VERSION}`, venv, schemathesisBin(), log);
}

/** The reference Python library the webhook tests verify every delivery's signature with (packages/testkit). */
export function ensureStandardWebhooks(log: (s: string) => void): void {
  const venv = join(CACHE_DIR, `standardwebhooks-${STANDARDWEBHOOKS_VERSION}`);
  // The venv's python exists before pip has run: the package itself marks the install done.
  const marker = join(venv, 'installed');
  ensurePythonTool('standardwebhooks', `standardwebhooks==${STANDARDWEBHOOKS_VERSION}`, venv, marker, log);
  if (!existsSync(marker)) writeFileSync(marker, new Date().toISOString());
}
