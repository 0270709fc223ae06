import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@reelforge/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { type MediaLogger, runFfmpeg } from './ffmpeg.executor.js';

const logger: MediaLogger = { debug() {}, info() {}, warn() {}, error() {} };
const quiet = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1'];
// Real time (-re), so it runs long enough to be stopped.
const endless = [...quiet, '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10:duration=60', '-f', 'null', '-'];
let dir: string;
let wrapper: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-exec-'));
  // Stands in for ffmpeg: leaves a grandchild in the same process group (as a shell wrapper or a filter helper
  // would), records both pids, then becomes ffmpeg.
  wrapper = join(dir, 'ffmpeg-wrapper.sh');
  await writeFile(wrapper, `#!/bin/sh\nsleep 60 &\necho "$$ $!" > "${dir}/pids"\nexec ffmpeg "$@"\n`);
  await chmod(wrapper, 0o755);
});

/** Gone or a zombie waiting for a reaper: either way, no longer running. */
async function running(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILL is not instantaneous on a loaded host; gone within 3 s is gone. */
async function stopsRunning(pid: number): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    if (!(await running(pid))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function pidsOnceStarted(): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const text = await readFile(join(dir, 'pids'), 'utf8').catch(() => '');
    if (text.trim()) return text.trim().split(' ').map(Number);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the wrapper never started');
}

describe('runFfmpeg', () => {
  it('reports progress up to 100 % and resolves when ffmpeg succeeds', async () => {
    const seen: number[] = [];
    await runFfmpeg(
      [
        ...quiet,
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240:rate=30:duration=3',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-f',
        'null',
        '-',
      ],
      { cwd: dir, durationSec: 3, timeoutMs: 60_000, logger, onProgress: (p) => seen.push(p) },
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBeCloseTo(100, 0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('fails with DECODE_ERROR, not retryable, when the input cannot be decoded', async () => {
    const junk = join(dir, 'junk.ts');
    await writeFile(junk, Buffer.alloc(188 * 50, 0x47));
    const err = await runFfmpeg([...quiet, '-f', 'mpegts', '-i', `file:${junk}`, '-f', 'null', '-'], {
      cwd: dir,
      durationSec: 1,
      timeoutMs: 60_000,
      logger,
    }).catch((e: unknown) => e);
    expect((err as AppError).toJSON()).toMatchObject({ code: 'DECODE_ERROR', retryable: false });
    expect((err as AppError).message).not.toContain(dir);
  });

  it('fails with TRANSCODE_FAILED and ffmpeg’s reason, retryable', async () => {
    const err = await runFfmpeg([...quiet, '-i', 'file:/nonexistent/clip.mp4', '-f', 'null', '-'], {
      cwd: dir,
      durationSec: 1,
      timeoutMs: 60_000,
      logger,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('TRANSCODE_FAILED');
    expect((err as AppError).retryable).toBe(true);
    expect((err as AppError).message).toContain('No such file or directory');
  });

  it('kills the whole process group when the timeout passes', async () => {
    const started = Date.now();
    const run = runFfmpeg(endless, { cwd: dir, durationSec: 60, timeoutMs: 1500, logger, ffmpegPath: wrapper });
    const pids = await pidsOnceStarted();
    const err = await run.catch((e: unknown) => e);
    expect((err as AppError).code).toBe('TRANSCODE_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const pid of pids) expect(await stopsRunning(pid)).toBe(true);
  });

  it('stops ffmpeg past its frame budget: INPUT_BUDGET_EXCEEDED, not retryable, the group killed', async () => {
    await writeFile(join(dir, 'pids'), '');
    // 10 fps in real time: frame 30 comes after ~3 s, long before the 60 s of input or the timeout.
    const run = runFfmpeg(endless, {
      cwd: dir,
      durationSec: 60,
      timeoutMs: 60_000,
      budget: { maxFrames: 30, maxWallMs: 60_000 },
      logger,
      ffmpegPath: wrapper,
    });
    const pids = await pidsOnceStarted();
    const err = await run.catch((e: unknown) => e);
    expect((err as AppError).toJSON()).toEqual({
      code: 'INPUT_BUDGET_EXCEEDED',
      message: 'the transcode needed more frames than a video of this length allows',
      retryable: false,
    });
    for (const pid of pids) expect(await stopsRunning(pid)).toBe(true);
  });

  it('stops ffmpeg past its wall-clock budget before the operator timeout: INPUT_BUDGET_EXCEEDED', async () => {
    const started = Date.now();
    const err = await runFfmpeg(endless, {
      cwd: dir,
      durationSec: 60,
      timeoutMs: 60_000,
      budget: { maxFrames: 1_000_000, maxWallMs: 1500 },
      logger,
    }).catch((e: unknown) => e);
    expect((err as AppError).toJSON()).toMatchObject({
      code: 'INPUT_BUDGET_EXCEEDED',
      message: 'the transcode needed more time than a video of this length allows',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('kills the process group on abort and rejects with the abort reason', async () => {
    await writeFile(join(dir, 'pids'), '');
    const controller = new AbortController();
    const run = runFfmpeg(endless, {
      cwd: dir,
      durationSec: 60,
      timeoutMs: 60_000,
      logger,
      ffmpegPath: wrapper,
      signal: controller.signal,
    });
    const pids = await pidsOnceStarted();
    controller.abort(new AppError('INTERRUPTED', 'SIGTERM from ECS'));
    const err = await run.catch((e: unknown) => e);
    expect((err as AppError).toJSON()).toEqual({ code: 'INTERRUPTED', message: 'SIGTERM from ECS', retryable: true });
    for (const pid of pids) expect(await stopsRunning(pid)).toBe(true);
  });

  it('does not outlive a parent that is SIGKILLed (no orphaned encoder)', async () => {
    await writeFile(join(dir, 'pids'), '');
    // A separate node process runs the built executor, as the task and the CLI do; then it dies without cleanup.
    const media = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `import { runFfmpeg } from ${JSON.stringify(media)};
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      await runFfmpeg(${JSON.stringify(endless)}, { cwd: ${JSON.stringify(dir)}, durationSec: 60, timeoutMs: 60000, logger,
        ffmpegPath: ${JSON.stringify(wrapper)} });`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const [ffmpegPid, sleepPid] = await pidsOnceStarted();
    expect(await running(ffmpegPid as number)).toBe(true);
    parent.kill('SIGKILL');
    expect(await stopsRunning(ffmpegPid as number)).toBe(true);
    // The wrapper's stray `sleep` is this test's own leftover, not ffmpeg's.
    process.kill(sleepPid as number, 'SIGKILL');
  });

  it('does not start at all when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await runFfmpeg(endless, {
      cwd: dir,
      durationSec: 60,
      timeoutMs: 60_000,
      logger,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('INTERRUPTED');
  });
});
