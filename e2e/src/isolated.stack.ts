// A second, whole Reelforge started with the real CLI (`node infra/local/dist/main.js up`) in a temp state dir with
// every port moved to a free one, so a test may stop, kill and restart any part of it without touching the shared
// stack other tests use. Parts are named as the supervisor names their pid files (`<state>/run/<name>.pid`).
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb, type Database, type Kysely } from '@reelforge/db';
import { createS3Client } from '@reelforge/storage';
import { freePort } from '@reelforge/testkit';
import { afterAll, beforeAll } from 'vitest';
import { repoRoot } from './service.process.js';

export type StackPart =
  | 'kafka'
  | 'mariadb'
  | 's3'
  | 'moto'
  | 'prometheus'
  | 'upload-api'
  | 'dispatcher'
  | 'completion'
  | 'events-ingest'
  | 'events-lake'
  | 'engagement-metrics'
  | 'recommender'
  | 'playback-edge';

/** Every port the CLI lets env move (infra/local/src/stack.config.ts and services.ts). */
const portVars = [
  'REELFORGE_KAFKA_PORT',
  'REELFORGE_KAFKA_CONTROLLER_PORT',
  'REELFORGE_MYSQL_PORT',
  'REELFORGE_REDIS_PORT',
  'REELFORGE_MOTO_PORT',
  'REELFORGE_S3_PORT',
  'REELFORGE_PROMETHEUS_PORT',
  'PORT',
  'REELFORGE_EVENTS_PORT',
  'REELFORGE_DISPATCHER_OPS_PORT',
  'REELFORGE_COMPLETION_OPS_PORT',
  'REELFORGE_LAKE_OPS_PORT',
  'REELFORGE_ENGAGEMENT_METRICS_OPS_PORT',
  'REELFORGE_RECOMMENDER_OPS_PORT',
  'REELFORGE_EDGE_PORT',
] as const;
type PortVar = (typeof portVars)[number];

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export class IsolatedStack {
  private constructor(
    readonly stateDir: string,
    readonly ports: Record<PortVar, number>,
    private readonly serviceEnv: Record<string, string>,
  ) {}

  /**
   * A fresh state dir and free ports, then `up`. `serviceEnv` reaches every service the CLI starts (and the
   * transcoders the dispatcher spawns): a test's way to shorten intervals and graces the services' env.ts expose.
   */
  static async start(opts: { serviceEnv?: Record<string, string> } = {}): Promise<IsolatedStack> {
    const stateDir = await mkdtemp(join(tmpdir(), 'rf-isolated-'));
    const ports = {} as Record<PortVar, number>;
    const taken = new Set<number>();
    for (const v of portVars) {
      let p = await freePort();
      while (taken.has(p)) p = await freePort();
      taken.add(p);
      ports[v] = p;
    }
    const stack = new IsolatedStack(stateDir, ports, opts.serviceEnv ?? {});
    try {
      await stack.up();
    } catch (err) {
      await stack.destroy();
      throw err;
    }
    return stack;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.ports.PORT}`;
  }

  get edgeUrl(): string {
    return `http://127.0.0.1:${this.ports.REELFORGE_EDGE_PORT}`;
  }

  /** Starts whatever part is not running (all of them the first time), waiting until each is healthy. */
  up(): Promise<string> {
    return this.cli('up', 300_000);
  }

  down(): Promise<string> {
    return this.cli('down', 120_000);
  }

  async pid(part: StackPart): Promise<number | undefined> {
    const text = await readFile(join(this.stateDir, 'run', `${part}.pid`), 'utf8').catch(() => undefined);
    const pid = text === undefined ? Number.NaN : Number.parseInt(text, 10);
    return Number.isFinite(pid) && isAlive(pid) ? pid : undefined;
  }

  get mysqlUrl(): string {
    return `mysql://reelforge:reelforge@127.0.0.1:${this.ports.REELFORGE_MYSQL_PORT}/reelforge`;
  }

  get s3Endpoint(): string {
    return `http://127.0.0.1:${this.ports.REELFORGE_S3_PORT}`;
  }

  /** A client of this stack's object store, with the local store's fixed credentials. */
  s3(): ReturnType<typeof createS3Client> {
    return createS3Client({
      region: 'us-east-1',
      endpoint: this.s3Endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  }

  /**
   * The transcoder tasks the running dispatcher has spawned (each leads its own process group, FFmpeg inside it).
   * Found by parent pid in /proc, so the shared stack's transcoders are never among them.
   */
  async transcoderPids(): Promise<number[]> {
    const parent = await this.pid('dispatcher');
    if (parent === undefined) return [];
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      // Fields after the parenthesised command: state, ppid, …
      const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
      if (ppid !== parent) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('transcoder')) pids.push(Number.parseInt(entry, 10));
    }
    return pids;
  }

  /** Kills a part's whole process group without warning and waits until it is gone; `up` restarts it. */
  async kill(part: StackPart, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const pid = await this.pid(part);
    if (pid === undefined) throw new Error(`${part} is not running`);
    process.kill(-pid, signal);
    const until = Date.now() + 30_000;
    while (isAlive(pid)) {
      if (Date.now() > until) throw new Error(`${part} (pid ${pid}) survived ${signal}`);
      await sleep(50);
    }
  }

  /** `down`, then the state dir goes. */
  async destroy(): Promise<void> {
    await this.down().catch(() => undefined);
    await rm(this.stateDir, { recursive: true, force: true });
  }

  /** The CLI with only what it needs in its env: nothing of the shared stack's (local.env) may leak in. */
  private cli(command: string, timeoutMs: number): Promise<string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      REELFORGE_ROOT: repoRoot,
      REELFORGE_STATE_DIR: this.stateDir,
      ...(process.env.REELFORGE_CACHE ? { REELFORGE_CACHE: process.env.REELFORGE_CACHE } : {}),
      ...this.serviceEnv,
      ...Object.fromEntries(Object.entries(this.ports).map(([k, v]) => [k, String(v)])),
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'infra/local/dist/main.js'), command], {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`reelforge ${command} exited ${code ?? signal} (state ${this.stateDir}):\n${out}`));
      });
    });
  }
}

/**
 * One isolated stack for the test file that calls this at its top level, with a small pool on its database:
 * started before the file's tests, destroyed after them. The getters throw if the start failed.
 */
export function isolatedStackForFile(opts: { serviceEnv?: Record<string, string> } = {}): {
  stack: () => IsolatedStack;
  db: () => Kysely<Database>;
} {
  let stack: IsolatedStack | undefined;
  let db: Kysely<Database> | undefined;
  beforeAll(async () => {
    stack = await IsolatedStack.start(opts);
    db = createDb({ url: stack.mysqlUrl, poolSize: 2 });
  }, 600_000);
  afterAll(async () => {
    await db?.destroy();
    await stack?.destroy();
  }, 180_000);
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the isolated stack did not start');
    return value;
  };
  return { stack: () => started(stack), db: () => started(db) };
}
