// One Reelforge service as a child process (`node services/<x>/dist/main.js`): started with the env a test gives it,
// ready once /healthz answers, stopped with SIGTERM or killed with SIGKILL; its JSON log lines kept for assertions.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string };

export interface ServiceProcessOptions {
  name: string;
  /** Relative to the repository root, e.g. services/dispatcher/dist/main.js. */
  entry: string;
  env: Record<string, string>;
  /** Polled until it answers 200. */
  healthUrl: string;
  startTimeoutMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();
// A test runner that dies must not leave services consuming the shared broker.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class ServiceProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        let parsed: LogLine;
        try {
          parsed = JSON.parse(line) as LogLine;
        } catch {
          parsed = { msg: line, raw: true };
        }
        this.lines.push(parsed);
        if (process.env.E2E_VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
      });
    }
  }

  static async start(opts: ServiceProcessOptions): Promise<ServiceProcess> {
    const child = spawn(process.execPath, [opts.entry], {
      cwd: repoRoot,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(opts.name, child);
    const until = Date.now() + (opts.startTimeoutMs ?? 30_000);
    for (;;) {
      if (service.exit)
        throw new Error(`${opts.name} exited while starting (${JSON.stringify(service.exit)})\n${service.tail()}`);
      if (await healthy(opts.healthUrl)) return service;
      if (Date.now() > until) {
        child.kill('SIGKILL');
        throw new Error(`${opts.name} did not answer ${opts.healthUrl} in time\n${service.tail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Log lines with this message (and, when given, these field values). */
  logs(msg: string, fields: Record<string, unknown> = {}): LogLine[] {
    return this.lines.filter((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v));
  }

  /** The last lines, for a failure message. */
  tail(n = 40): string {
    return this.lines
      .slice(-n)
      .map((l) => JSON.stringify(l))
      .join('\n');
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
