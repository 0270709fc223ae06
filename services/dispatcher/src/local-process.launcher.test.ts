import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProcessLauncher } from './local-process.launcher.js';

// A stand-in for the transcoder's task mode: logs like pino, records what it was given, then behaves as FAKE_MODE says.
const fakeEntry = `
import { readFileSync, writeFileSync } from 'node:fs';
const mode = process.env.FAKE_MODE;
// Before the first line: a test that stops the child once it has logged must find the handler in place.
if (mode === 'ignore-term') process.on('SIGTERM', () => {});
const spec = JSON.parse(process.env.JOB_SPEC);
writeFileSync(process.env.FAKE_RECORD, JSON.stringify({
  spec, videoId: process.env.VIDEO_ID, attempt: process.env.ATTEMPT, mysql: process.env.MYSQL_URL ?? null,
  // Linux /proc/self/stat after the command name: state, ppid, pgrp.
  pgid: readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2],
}));
console.log(JSON.stringify({ level: 30, time: Date.now(), msg: 'fake transcoder started', videoId: spec.videoId, step: 'start' }));
console.error('plain text on stderr');
if (mode === 'hang' || mode === 'ignore-term') setInterval(() => {}, 1000);
else process.exit(Number(mode));
`;

const videoId = '0b6c3a52-2f0e-4f6a-9d43-6a7c1f0e9b21';
const request = (attempt: number) => ({
  jobId: `job-${attempt}`,
  token: `rf-${videoId}-a${attempt}`,
  spec: {
    version: 1 as const,
    videoId,
    attempt,
    source: { bucket: 'raw', key: 'k' },
    output: { bucket: 'processed', prefix: `videos/${videoId}/${attempt}/` },
    profile: 'default',
    jobToken: 'f'.repeat(64),
  },
});

let dir: string;
let entry: string;
const lines: Record<string, unknown>[] = [];
const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-local-launcher-'));
  entry = join(dir, 'fake-task.mjs');
  await writeFile(entry, fakeEntry);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const launcherWith = (mode: string, record: string, killGraceMs = 5000) =>
  new LocalProcessLauncher({
    entry,
    logger,
    killGraceMs,
    baseEnv: { ...process.env, FAKE_MODE: mode, FAKE_RECORD: record, MYSQL_URL: 'mysql://secret@db/x' },
  });

describe('LocalProcessLauncher', () => {
  it('runs the entry with JOB_SPEC, VIDEO_ID and ATTEMPT, without the database URL, and sees it exit', async () => {
    const record = join(dir, 'exit0.json');
    const launcher = launcherWith('0', record);
    const task = await launcher.launch(request(1));
    await task.ended;
    const seen = JSON.parse(await readFile(record, 'utf8'));
    expect(seen).toMatchObject({ spec: request(1).spec, videoId, attempt: '1', mysql: null });
    // Its own process group: the group id is its pid.
    expect(String(seen.pgid)).toBe(task.taskId);
    const status = (await launcher.describe([task.taskId])).get(task.taskId);
    expect(status).toMatchObject({ state: 'stopped', exitCode: 0, reason: 'exited with code 0' });
    expect(status?.state === 'stopped' && status.stoppedAt instanceof Date).toBe(true);
  });

  it('forwards the child’s output into the dispatcher’s log with videoId, attempt and jobId', async () => {
    const launcher = launcherWith('3', join(dir, 'exit3.json'));
    const task = await launcher.launch(request(2));
    await task.ended;
    const ours = lines.filter((l) => l.jobId === 'job-2');
    expect(ours).toContainEqual(
      expect.objectContaining({
        msg: 'fake transcoder started',
        level: 30,
        videoId,
        attempt: 2,
        task: { step: 'start' },
      }),
    );
    expect(ours).toContainEqual(expect.objectContaining({ msg: 'plain text on stderr', level: 40 }));
    expect((await launcher.describe([task.taskId])).get(task.taskId)).toMatchObject({
      state: 'stopped',
      exitCode: 3,
      reason: 'exited with code 3',
    });
  });

  it('reports a running child as running, a live process it did not start as unknown, a gone one as stopped', async () => {
    const launcher = launcherWith('hang', join(dir, 'hang.json'));
    const task = await launcher.launch(request(3));
    // 999999999 is above Linux's pid_max: no such process.
    const statuses = await launcher.describe([task.taskId, String(process.pid), '999999999']);
    expect([...statuses.entries()]).toEqual([
      [task.taskId, { state: 'running' }],
      [String(process.pid), { state: 'unknown' }],
      [
        '999999999',
        {
          state: 'stopped',
          exitCode: null,
          reason: 'no such process (not started by this dispatcher)',
          stoppedAt: expect.any(Date),
        },
      ],
    ]);
    // Gone since it was first seen gone: the grace period runs from then, not from each look.
    const first = statuses.get('999999999');
    await new Promise((r) => setTimeout(r, 20));
    expect((await launcher.describe(['999999999'])).get('999999999')).toEqual(first);
    expect(launcher.running).toBe(1);
    await launcher.stop(task.taskId, 'test over');
    await task.ended;
    expect((await launcher.describe([task.taskId])).get(task.taskId)).toMatchObject({
      state: 'stopped',
      exitCode: null,
      reason: 'killed by SIGTERM',
    });
  });

  it('kills a child that ignores SIGTERM once the grace period is over', async () => {
    const launcher = launcherWith('ignore-term', join(dir, 'ignore.json'), 300);
    const task = await launcher.launch(request(4));
    // Wait until the child has installed its handler.
    for (let i = 0; i < 100 && !lines.some((l) => l.jobId === 'job-4'); i++)
      await new Promise((r) => setTimeout(r, 20));
    await launcher.stop(task.taskId, 'deadline');
    await task.ended;
    expect((await launcher.describe([task.taskId])).get(task.taskId)).toMatchObject({ reason: 'killed by SIGKILL' });
  });

  it('on close, lets children finish within the grace period and stops the rest', async () => {
    const launcher = launcherWith('hang', join(dir, 'close.json'));
    const task = await launcher.launch(request(5));
    const started = Date.now();
    await launcher.close(200);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await launcher.describe([task.taskId])).get(task.taskId)).toMatchObject({ reason: 'killed by SIGTERM' });
  });

  it('reports a child that cannot be spawned as a retryable LAUNCH_FAILED', async () => {
    const launcher = new LocalProcessLauncher({ entry, logger, nodePath: join(dir, 'no-such-node') });
    await expect(launcher.launch(request(6))).rejects.toMatchObject({ code: 'LAUNCH_FAILED', retryable: true });
  });
});
