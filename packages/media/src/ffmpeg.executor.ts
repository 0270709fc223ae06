// The only part that runs ffmpeg: spawns it in its own process group, turns `-progress pipe:1` into percentages,
// and on timeout, abort or a spent budget kills the whole group, so no encoder outlives the job that started it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { AppError } from '@reelforge/contracts';
import { abortError, ffmpegFailure } from './ffmpeg.errors.js';

/** What the package logs through; a pino logger fits. Passed in, so the ECS task and the CLI each bring theirs. */
export interface MediaLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface FfmpegRunOptions {
  /** Working directory: the output folder, so every output path in the arguments is relative. */
  cwd: string;
  /** Source duration, to turn ffmpeg's output time into a percentage. */
  durationSec: number;
  /** The operator's limit for any run (a slow machine's fault as much as the file's): retryable. */
  timeoutMs: number;
  /** What this input may cost (from its probed duration and frame rate): past it the input is refused. */
  budget?: { maxFrames: number; maxWallMs: number };
  signal?: AbortSignal;
  /** Called with 0–100 every time ffmpeg reports (about twice a second). */
  onProgress?: (percent: number) => void;
  logger: MediaLogger;
  ffmpegPath?: string;
}

const STDERR_TAIL = 8 * 1024;

// In its own process group ffmpeg is out of reach of signals meant for us (a terminal's Ctrl-C, a launcher killing our
// group), so it would outlive us if we were SIGKILLed. util-linux's setpriv (Essential in Debian) sets a
// parent-death signal and then becomes ffmpeg, which closes that gap.
const SETPRIV = '/usr/bin/setpriv';
const canDieWithParent = existsSync(SETPRIV);

export function runFfmpeg(args: string[], opts: FfmpegRunOptions): Promise<void> {
  if (opts.signal?.aborted) return Promise.reject(abortError(opts.signal));
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const ffmpeg = opts.ffmpegPath ?? 'ffmpeg';
    const [command, commandArgs] = canDieWithParent
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', ffmpeg, ...args]]
      : [ffmpeg, args];
    // detached: ffmpeg leads its own process group, so one kill reaches it and anything it forks.
    const child = spawn(command, commandArgs, {
      cwd: opts.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stopped: AppError | null = null;
    let stderr = '';

    const kill = (reason: AppError) => {
      if (stopped) return;
      stopped = reason;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const onAbort = () => kill(abortError(opts.signal as AbortSignal));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () =>
        kill(
          new AppError('TRANSCODE_TIMEOUT', `the transcode took longer than ${Math.round(opts.timeoutMs / 1000)} s`),
        ),
      opts.timeoutMs,
    );

    const budget = opts.budget;
    const overBudget = (what: string) =>
      kill(new AppError('INPUT_BUDGET_EXCEEDED', `the transcode needed ${what} than a video of this length allows`));
    const budgetTimer = budget && setTimeout(() => overBudget('more time'), budget.maxWallMs);

    createInterface({ input: child.stdout }).on('line', (line) => {
      const [key, value] = line.split('=', 2);
      // `frame` counts what the first video output (the top rung) has encoded.
      if (key === 'frame' && budget && Number(value) > budget.maxFrames) return overBudget('more frames');
      if (key !== 'out_time_us' || !opts.onProgress) return;
      const sec = Number(value) / 1e6;
      if (Number.isFinite(sec) && sec >= 0) opts.onProgress(Math.min(100, (sec / opts.durationSec) * 100));
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });

    child.on('error', (err) => {
      // spawn failures (no ffmpeg on PATH) land here and `close` may never follow.
      clearTimeout(timer);
      clearTimeout(budgetTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new AppError('TRANSCODE_FAILED', `ffmpeg could not be started: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(budgetTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      const ms = Date.now() - started;
      if (stopped) {
        opts.logger.warn({ code: stopped.code, ms }, 'ffmpeg killed');
        return reject(stopped);
      }
      if (code === 0) {
        opts.logger.debug({ ms }, 'ffmpeg finished');
        return resolve();
      }
      opts.logger.error({ code, signal, ms, stderr }, 'ffmpeg failed');
      reject(ffmpegFailure(code, signal, stderr));
    });
  });
}
