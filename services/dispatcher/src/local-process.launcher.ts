// Transcoder tasks as child processes of the dispatcher (no AWS needed): `node <transcoder task entry>` with the
// job in JOB_SPEC, each child in its own process group, its output in the dispatcher's log with videoId/attempt.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { AppError } from '@reelforge/contracts';
import type { Logger } from 'pino';
import {
  type LaunchedTask,
  type LaunchRequest,
  type TaskLauncher,
  type TaskStatus,
  taskEnvironment,
} from './task.launcher.js';
import { forwardTaskLine } from './task-log.forwarder.js';

export interface LocalProcessLauncherOptions {
  /** The transcoder's task mode, e.g. services/transcoder/dist/task.main.js. */
  entry: string;
  logger: Logger;
  /** What children inherit (Kafka, S3, AWS settings …); default: the dispatcher's own environment. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Between SIGTERM (the transcoder reports INTERRUPTED) and SIGKILL. */
  killGraceMs?: number;
  /** How long an exited child's status stays answerable to describe(). */
  exitRetentionMs?: number;
  /** The interpreter; default: the one running the dispatcher. */
  nodePath?: string;
}

interface LocalTask {
  child: ChildProcess;
  exit?: { exitCode: number | null; reason: string; stoppedAt: Date };
  ended: Promise<void>;
  killTimer?: NodeJS.Timeout;
}

// Secrets a transcoder has no use for stay with the dispatcher.
const withheld = ['MYSQL_URL', 'JWT_SECRET'];

export class LocalProcessLauncher implements TaskLauncher {
  readonly kind = 'local' as const;
  private readonly tasks = new Map<string, LocalTask>();
  private readonly goneSince = new Map<string, Date>();
  private readonly killGraceMs: number;
  private readonly exitRetentionMs: number;

  constructor(private readonly opts: LocalProcessLauncherOptions) {
    this.killGraceMs = opts.killGraceMs ?? 10_000;
    this.exitRetentionMs = opts.exitRetentionMs ?? 3_600_000;
  }

  /** Children alive now. */
  get running(): number {
    let n = 0;
    for (const t of this.tasks.values()) if (!t.exit) n++;
    return n;
  }

  async launch(request: LaunchRequest): Promise<LaunchedTask> {
    this.prune();
    const env: NodeJS.ProcessEnv = { ...(this.opts.baseEnv ?? process.env) };
    for (const name of withheld) delete env[name];
    for (const { name, value } of taskEnvironment(request)) env[name] = value;

    const child = spawn(this.opts.nodePath ?? process.execPath, [this.opts.entry], {
      env,
      // Its own process group: stop() signals the whole group, and a Ctrl-C meant for the dispatcher is not its.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await Promise.race([once(child, 'spawn'), once(child, 'error').then(([err]) => Promise.reject(err))]);
    } catch (err) {
      throw new AppError('LAUNCH_FAILED', `could not start ${this.opts.entry}: ${String(err)}`, { cause: err });
    }
    const pid = child.pid;
    if (pid === undefined) throw new AppError('LAUNCH_FAILED', `${this.opts.entry} started without a pid`);
    const taskId = String(pid);
    const log = this.opts.logger.child({
      videoId: request.spec.videoId,
      attempt: request.spec.attempt,
      jobId: request.jobId,
      pid,
    });
    for (const [stream, source] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      if (source)
        createInterface({ input: source, crlfDelay: Infinity }).on('line', (l) => forwardTaskLine(log, l, stream));
    }

    const task: LocalTask = {
      child,
      ended: new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          task.exit = {
            exitCode: code,
            reason: signal ? `killed by ${signal}` : `exited with code ${code}`,
            stoppedAt: new Date(),
          };
          clearTimeout(task.killTimer);
          log.info({ exitCode: code, signal }, 'transcoder process exited');
          resolve();
        });
      }),
    };
    this.tasks.set(taskId, task);
    return { taskId, ended: task.ended };
  }

  async describe(taskIds: readonly string[]): Promise<Map<string, TaskStatus>> {
    const statuses = new Map<string, TaskStatus>();
    for (const id of taskIds) {
      const task = this.tasks.get(id);
      if (!task) statuses.set(id, this.foreignStatus(id));
      else if (task.exit) statuses.set(id, { state: 'stopped', ...task.exit });
      else statuses.set(id, { state: 'running' });
    }
    return statuses;
  }

  async stop(taskId: string, reason: string): Promise<void> {
    const task = this.tasks.get(taskId);
    if (!task || task.exit) return;
    this.opts.logger.warn({ pid: taskId, reason }, 'stopping transcoder process');
    this.signal(task, 'SIGTERM');
    task.killTimer ??= setTimeout(() => this.signal(task, 'SIGKILL'), this.killGraceMs);
    task.killTimer.unref();
  }

  async close(graceMs: number): Promise<void> {
    const live = [...this.tasks.entries()].filter(([, t]) => !t.exit);
    if (live.length === 0) return;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(live.map(([, t]) => t.ended)), timeout]);
    for (const [id, t] of live) if (!t.exit) await this.stop(id, 'dispatcher shutting down');
    await Promise.all(live.map(([, t]) => t.ended));
  }

  /**
   * A pid this process did not start: another replica's child on this host, or one from before a restart. Local
   * mode runs on one host, so a pid that no longer exists is a task that is gone, with no exit code to be had; it
   * counts as stopped from when it was first seen gone, so its result gets the same grace as a child's. A pid that
   * exists may be another replica's (or reused) and is judged at its deadline.
   */
  private foreignStatus(taskId: string): TaskStatus {
    if (/^\d+$/.test(taskId)) {
      try {
        process.kill(Number(taskId), 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
          const stoppedAt = this.goneSince.get(taskId) ?? new Date();
          this.goneSince.set(taskId, stoppedAt);
          return {
            state: 'stopped',
            exitCode: null,
            reason: 'no such process (not started by this dispatcher)',
            stoppedAt,
          };
        }
      }
    }
    return { state: 'unknown' };
  }

  private signal(task: LocalTask, signal: NodeJS.Signals): void {
    const pid = task.child.pid;
    if (pid === undefined || task.exit) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already; 'exit' will follow.
    }
  }

  private prune(): void {
    const before = Date.now() - this.exitRetentionMs;
    for (const [id, t] of this.tasks) if (t.exit && t.exit.stoppedAt.getTime() < before) this.tasks.delete(id);
    for (const [id, at] of this.goneSince) if (at.getTime() < before) this.goneSince.delete(id);
  }
}
