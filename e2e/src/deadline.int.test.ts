// A video longer than the dispatcher's assumed duration: its job's first deadline is too short for it, and only the
// real duration the task reports (video.transcode-started) keeps the reaper from killing a healthy transcode.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { videoClip } from './media.clips.js';
import { eventually, expectOneRenditionSet, Pipeline } from './pipeline.stack.js';

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await Pipeline.create();
  await Promise.all([pipeline.start('upload-api'), pipeline.start('completion')]);
});

afterAll(() => pipeline?.close());

// Assumed: 1 s × 3 + 8 s = 11 s from the job's creation, less than a 40 s 720p source's ladder takes even on a quiet
// machine (the start-up allowance still covers the task's start, download and probe). Sized: 40 s × 3 + 8 s from its
// launch, room enough on a loaded one.
const deadlineEnv = {
  JOB_DEADLINE_DEFAULT_DURATION_SEC: '1',
  JOB_DEADLINE_FACTOR: '3',
  JOB_DEADLINE_STARTUP_SEC: '8',
};

it('finishes a video longer than the assumed duration, its deadline sized from the probed one', async () => {
  await pipeline.start('dispatcher', deadlineEnv);
  const token = await pipeline.register();
  const upload = await pipeline.upload(token, await videoClip({ width: 1280, height: 720, seconds: 40 }), 'long.mp4');

  const first = await eventually('the job', async () => (await pipeline.jobs(upload.id))[0] ?? null, 30_000);
  const assumed = first.deadlineAt;
  expect(assumed.getTime() - first.createdAt.getTime()).toBeLessThanOrEqual(11_000);
  // Shown on the API while it is still being transcoded.
  const early = await eventually(
    'the probed duration on the API',
    async () => {
      const video = await pipeline.video(token, upload.id);
      return video.source.durationSec !== null ? video : null;
    },
    30_000,
  );
  expect(early.status).not.toBe('ready');
  expect(early.source).toMatchObject({ durationSec: expect.closeTo(40, 0), width: 1280, height: 720 });

  const video = await pipeline.settled(token, upload.id, 180_000);
  expect(video.status).toBe('ready');
  const [job, ...more] = await pipeline.jobs(upload.id);
  expect(more).toEqual([]);
  expect(job).toMatchObject({ attempt: 1, status: 'succeeded', errorCode: null });
  if (!job?.startedAt || !job.finishedAt) throw new Error('job without start or finish');
  // Moved to launch + 8 s + 3 × the real duration, and the task did run past the assumed deadline: without the
  // move the reaper (every second here) would have stopped it as TRANSCODE_TIMEOUT.
  expect(job.deadlineAt.getTime() - job.startedAt.getTime()).toBeCloseTo(128_000, -3);
  expect(job.finishedAt.getTime()).toBeGreaterThan(assumed.getTime());
  expect(pipeline.logs('dispatcher', 'job deadline sized from the source', { videoId: upload.id })).toHaveLength(1);
  await expectOneRenditionSet(pipeline, upload.id, 1);
});
