import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatcherMetrics } from './dispatcher.metrics.js';
import {
  dispatchService,
  openTestDb,
  outboxMessages,
  RecordingLauncher,
  reaperService,
  type TestDb,
  uploadedVideo,
} from './testing/dispatch.fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t?.close());

const reaper = (launcher: RecordingLauncher, registry = new Registry(), batchSize = 100) =>
  reaperService(t, { launcher, metrics: dispatcherMetrics(registry), batchSize });

/** Launches one video through the dispatcher; returns its ids. */
async function runningJob(launcher: RecordingLauncher, deadlineInSec = 3600) {
  const message = await uploadedVideo(t);
  const service = dispatchService(t, {
    launcher,
    deadline: { factor: 1, startupSec: deadlineInSec, defaultDurationSec: 0.001 },
  });
  const outcome = await service.handleUploaded(message);
  if (outcome.result !== 'launched') throw new Error(`not launched: ${outcome.result}`);
  return { videoId: message.videoId, jobId: outcome.jobId, taskId: outcome.taskId };
}

const failuresFor = async (videoId: string) =>
  (await outboxMessages(t, 'video.transcode-failed')).filter((m) => m.videoId === videoId);

const ago = (sec: number) => new Date(Date.now() - sec * 1000);

describe('ReaperService', () => {
  it('turns a task that stopped without a result into a lost job and a retryable failure in the outbox', async () => {
    const launcher = new RecordingLauncher();
    const registry = new Registry();
    const { videoId, jobId, taskId } = await runningJob(launcher);
    launcher.end(taskId, { state: 'stopped', exitCode: null, reason: 'killed by SIGKILL', stoppedAt: ago(31) });

    const reaped = await reaper(launcher, registry).reapOnce();

    const message = `task ${taskId} stopped without a result (no exit code; killed by SIGKILL)`;
    expect(reaped).toEqual([{ jobId, videoId, attempt: 1, code: 'TASK_LOST', message }]);
    expect(await t.jobs.findById(jobId)).toMatchObject({
      status: 'lost',
      exitCode: null,
      errorCode: 'TASK_LOST',
      errorMessage: message,
    });
    // With the job's token, read from its row: completion applies the reaper's report like the task's own.
    const { jobToken } = (await t.jobs.findById(jobId)) ?? {};
    expect(jobToken).toMatch(/^[0-9a-f]{64}$/);
    expect(await failuresFor(videoId)).toEqual([
      { version: 1, videoId, attempt: 1, jobToken, code: 'TASK_LOST', message, retryable: true },
    ]);
    const counter = (await registry.getMetricsAsJSON()).find((m) => m.name === 'reelforge_jobs_reaped_total');
    expect(counter?.values).toEqual([{ labels: { reason: 'TASK_LOST' }, value: 1 }]);
    // The next pass finds nothing more to do.
    expect(await reaper(launcher).reapOnce()).toEqual([]);
  });

  it('leaves a task that stopped within the grace period: its result may still be on its way', async () => {
    const launcher = new RecordingLauncher();
    const { videoId, jobId, taskId } = await runningJob(launcher);
    launcher.end(taskId, { state: 'stopped', exitCode: 0, reason: 'exited with code 0', stoppedAt: ago(5) });
    expect(await reaper(launcher).reapOnce()).toEqual([]);
    expect((await t.jobs.findById(jobId))?.status).toBe('running');
    expect(await failuresFor(videoId)).toEqual([]);
  });

  it('waits longer for the result of a task that exited 0, then declares it lost all the same', async () => {
    const launcher = new RecordingLauncher();
    const { videoId, jobId, taskId } = await runningJob(launcher);
    // Past the 30 s of a failed task: a result published before exiting may still be on its way to completion.
    launcher.end(taskId, { state: 'stopped', exitCode: 0, reason: 'exited with code 0', stoppedAt: ago(120) });
    expect(await reaper(launcher).reapOnce()).toEqual([]);
    expect((await t.jobs.findById(jobId))?.status).toBe('running');

    launcher.end(taskId, { state: 'stopped', exitCode: 0, reason: 'exited with code 0', stoppedAt: ago(301) });
    const message = `task ${taskId} stopped without a result (exit code 0; exited with code 0)`;
    expect(await reaper(launcher).reapOnce()).toEqual([{ jobId, videoId, attempt: 1, code: 'TASK_LOST', message }]);
    expect(await failuresFor(videoId)).toMatchObject([{ code: 'TASK_LOST', retryable: true }]);
  });

  it('leaves a job the completion service already finished', async () => {
    const launcher = new RecordingLauncher();
    const { jobId, taskId } = await runningJob(launcher);
    await t.jobs.markFinished(jobId, 'succeeded', { exitCode: 0 });
    launcher.end(taskId, { state: 'stopped', exitCode: 0, reason: 'exited with code 0', stoppedAt: ago(60) });
    expect(await reaper(launcher).reapOnce()).toEqual([]);
    expect((await t.jobs.findById(jobId))?.status).toBe('succeeded');
  });

  it('stops a task still running past its deadline and reports TRANSCODE_TIMEOUT', async () => {
    const launcher = new RecordingLauncher();
    const { videoId, jobId, taskId } = await runningJob(launcher, -1);
    const reaped = await reaper(launcher).reapOnce();
    expect(reaped.map((r) => [r.jobId, r.code])).toEqual([[jobId, 'TRANSCODE_TIMEOUT']]);
    expect(launcher.stopped).toEqual([taskId]);
    expect(await failuresFor(videoId)).toMatchObject([{ attempt: 1, code: 'TRANSCODE_TIMEOUT', retryable: true }]);
  });

  it('declares lost at the deadline a task its launcher does not know', async () => {
    const launcher = new RecordingLauncher();
    const { videoId, taskId } = await runningJob(launcher, -1);
    launcher.statuses.set(taskId, { state: 'unknown' });
    const other = new RecordingLauncher();
    // Before the deadline an unknown task is another replica's business; at it, it is lost.
    expect(await reaper(other).reapOnce()).toMatchObject([{ videoId, code: 'TASK_LOST' }]);
    expect(other.stopped).toEqual([]);
  });

  it('lets only one of two replicas reaping at once write the failure', async () => {
    const launcher = new RecordingLauncher();
    const jobs = await Promise.all([runningJob(launcher), runningJob(launcher), runningJob(launcher)]);
    for (const j of jobs) {
      launcher.end(j.taskId, { state: 'stopped', exitCode: 1, reason: 'exited with code 1', stoppedAt: ago(40) });
    }
    const [a, b] = await Promise.all([reaper(launcher, new Registry(), 1).reapOnce(), reaper(launcher).reapOnce()]);
    expect([...a, ...b].map((r) => r.jobId).sort()).toEqual(jobs.map((j) => j.jobId).sort());
    for (const j of jobs) expect(await failuresFor(j.videoId)).toHaveLength(1);
  });

  it('stops and reports each overdue task once when two replicas reap at the same time', async () => {
    const launcher = new RecordingLauncher();
    const jobs = await Promise.all([runningJob(launcher, -1), runningJob(launcher, -1), runningJob(launcher, -1)]);
    const [a, b] = await Promise.all([reaper(launcher).reapOnce(), reaper(launcher).reapOnce()]);
    expect([...a, ...b].map((r) => r.jobId).sort()).toEqual(jobs.map((j) => j.jobId).sort());
    expect([...launcher.stopped].sort()).toEqual(jobs.map((j) => j.taskId).sort());
    for (const j of jobs) expect(await failuresFor(j.videoId)).toMatchObject([{ code: 'TRANSCODE_TIMEOUT' }]);
  });
});
