// Faults on the whole pipeline: a transcoder killed mid-run is reaped and retried; a dispatcher killed between
// creating a job and launching it launches it exactly once after its restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoClip } from './media.clips.js';
import { dispatcherWithSeams, eventually, expectOneRenditionSet, Pipeline } from './pipeline.stack.js';

let pipeline: Pipeline;
let token: string;

beforeAll(async () => {
  pipeline = await Pipeline.create();
  await Promise.all([pipeline.start('upload-api'), pipeline.start('completion')]);
  token = await pipeline.register();
});

afterAll(() => pipeline?.close());

describe('faults', () => {
  it('launches exactly once after the dispatcher is killed between creating the job and launching it', async () => {
    const crashing = await pipeline.start(
      'dispatcher',
      { TEST_CRASH_AFTER_JOB_CREATED: '1' },
      { entry: dispatcherWithSeams },
    );
    const upload = await pipeline.upload(token, await videoClip({ width: 320, height: 240, seconds: 2 }), 'crash.mp4');

    expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // It died with the job committed (claimed for launch: a slot was free) and nothing launched.
    expect((await pipeline.jobs(upload.id)).map((j) => [j.attempt, j.status, j.taskId])).toEqual([
      [1, 'launching', null],
    ]);
    expect((await pipeline.videoRow(upload.id)).status).toBe('queued');
    expect(pipeline.launches(upload.id)).toBe(0);

    await pipeline.start('dispatcher');
    const video = await pipeline.settled(token, upload.id);
    expect(video.status).toBe('ready');
    // Both ways back to the job have run by now: the recovery pass and the redelivery of the uncommitted message.
    await pipeline.caughtUp('dispatcher', 'video.uploaded');
    expect(pipeline.launches(upload.id)).toBe(1);
    expect((await pipeline.jobs(upload.id)).map((j) => [j.attempt, j.status])).toEqual([[1, 'succeeded']]);
    expect((await pipeline.videoRow(upload.id)).attempt).toBe(1);
    await expectOneRenditionSet(pipeline, upload.id, 1);
  });

  it('reaps a transcoder killed mid-run and retries it to ready', async () => {
    if (!pipeline.current.get('dispatcher')?.running) await pipeline.start('dispatcher');
    // Long enough (a few seconds of work) that the kill lands while it runs.
    const upload = await pipeline.upload(token, await videoClip({ width: 320, height: 240, seconds: 12 }), 'kill.mp4');

    const pid = await eventually(
      'the first attempt’s transcoder process',
      async () => {
        const [job] = await pipeline.jobs(upload.id);
        return job?.status === 'running' && job.taskId ? Number(job.taskId) : null;
      },
      30_000,
    );
    // The whole process group, as the OOM killer or a lost host would leave it: no result, no goodbye.
    process.kill(-pid, 'SIGKILL');

    const video = await pipeline.settled(token, upload.id);
    expect(video.status).toBe('ready');
    const jobs = await pipeline.jobs(upload.id);
    expect(jobs.map((j) => [j.attempt, j.status, j.errorCode])).toEqual([
      [1, 'lost', 'TASK_LOST'],
      [2, 'succeeded', null],
    ]);
    expect(jobs[0]?.errorMessage).toBe(`task ${pid} stopped without a result (no exit code; killed by SIGKILL)`);
    expect((await pipeline.videoRow(upload.id)).attempt).toBe(2);
    expect(pipeline.launches(upload.id)).toBe(2);
    expect(pipeline.logs('dispatcher', `job reaped: ${jobs[0]?.errorMessage}`, { videoId: upload.id })).toHaveLength(1);
    await expectOneRenditionSet(pipeline, upload.id, 2);
  });
});
