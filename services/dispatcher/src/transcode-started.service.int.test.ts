import type { VideoTranscodeStartedV1 } from '@reelforge/contracts';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatcherMetrics } from './dispatcher.metrics.js';
import {
  chunkService,
  dispatchService,
  openTestDb,
  quietLogger,
  RecordingLauncher,
  type TestDb,
  uploadedVideo,
} from './testing/dispatch.fixtures.js';
import { TranscodeStartedService } from './transcode-started.service.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t?.close());

// The default grants 5 s × 1 + 10 s; a 40 s source needs 40 s × 1 + 10 s.
const deadline = { factor: 1, startupSec: 10, defaultDurationSec: 5 };

async function launched() {
  const message = await uploadedVideo(t);
  const outcome = await dispatchService(t, { launcher: new RecordingLauncher(), deadline }).handleUploaded(message);
  if (outcome.result !== 'launched') throw new Error(`not launched: ${outcome.result}`);
  const job = await t.jobs.findById(outcome.jobId);
  if (!job?.startedAt) throw new Error('job not running');
  return { videoId: message.videoId, job: { ...job, startedAt: job.startedAt } };
}

const started = (
  job: { videoId: string; jobToken: string },
  over: Partial<VideoTranscodeStartedV1> = {},
): VideoTranscodeStartedV1 => ({
  version: 1,
  videoId: job.videoId,
  attempt: 1,
  jobToken: job.jobToken,
  durationSec: 40,
  frameCount: 1000,
  width: 320,
  height: 240,
  startedAt: new Date().toISOString(),
  ...over,
});

const service = (registry = new Registry()) =>
  new TranscodeStartedService({
    db: t.db,
    videos: t.videos,
    jobs: t.jobs,
    deadline,
    metrics: dispatcherMetrics(registry),
    chunks: chunkService(t, { launcher: new RecordingLauncher() }),
  });

describe('TranscodeStartedService', () => {
  it('sizes the running job’s deadline from the real duration and shows the source on the video', async () => {
    const { videoId, job } = await launched();
    // The default's grant, from (within a millisecond or two of) the job's creation.
    expect(job.deadlineAt.getTime() - job.createdAt.getTime()).toBeCloseTo(15_000, -1);
    const registry = new Registry();

    const outcome = await service(registry).onStarted(started(job), quietLogger());

    const sized = new Date(job.startedAt.getTime() + 50_000);
    expect(outcome).toMatchObject({ kind: 'record', extended: true, extendTo: sized });
    expect((await t.jobs.findById(job.id))?.deadlineAt).toEqual(sized);
    expect(await t.videos.findById(videoId)).toMatchObject({
      status: 'processing',
      durationSec: 40,
      width: 320,
      height: 240,
    });
    const counter = (await registry.getMetricsAsJSON()).find(
      (m) => m.name === 'reelforge_job_deadlines_extended_total',
    );
    expect(counter?.values).toEqual([{ labels: {}, value: 1 }]);
  });

  it('records the task’s SHA-256 of a source uploaded without one, never over one computed at upload', async () => {
    const direct = await launched();
    // As a direct upload leaves it: the API never read the bytes.
    await t.db.updateTable('videos').set({ sourceSha256: null }).where('id', '=', direct.videoId).execute();
    const sha256 = 'a1'.repeat(32);

    await service().onStarted(started(direct.job, { sourceSha256: sha256 }), quietLogger());
    expect((await t.videos.findById(direct.videoId))?.sourceSha256).toBe(sha256);
    // A later report (a redelivery, a retry's task) cannot replace it either.
    await service().onStarted(started(direct.job, { sourceSha256: 'b2'.repeat(32) }), quietLogger());
    expect((await t.videos.findById(direct.videoId))?.sourceSha256).toBe(sha256);

    const streamed = await launched();
    const atUpload = (await t.videos.findById(streamed.videoId))?.sourceSha256;
    expect(atUpload).toMatch(/^[0-9a-f]{64}$/);
    await service().onStarted(started(streamed.job, { sourceSha256: 'c3'.repeat(32) }), quietLogger());
    expect((await t.videos.findById(streamed.videoId))?.sourceSha256).toBe(atUpload);

    // A report without the job's token writes no hash.
    const forged = await launched();
    await t.db.updateTable('videos').set({ sourceSha256: null }).where('id', '=', forged.videoId).execute();
    const { jobToken: _, ...tokenless } = started(forged.job, { sourceSha256: sha256 });
    expect(await service().onStarted(tokenless, quietLogger())).toMatchObject({ kind: 'ignore', reason: 'forged' });
    expect((await t.videos.findById(forged.videoId))?.sourceSha256).toBeNull();
  });

  it('changes nothing more on a redelivery', async () => {
    const { job } = await launched();
    await service().onStarted(started(job), quietLogger());
    const after = await t.jobs.findById(job.id);

    expect(await service().onStarted(started(job), quietLogger())).toMatchObject({
      extended: false,
      extendTo: null,
    });
    expect(await t.jobs.findById(job.id)).toEqual(after);
  });

  it('never shortens what was granted', async () => {
    const { videoId, job } = await launched();
    expect(await service().onStarted(started(job, { durationSec: 1 }), quietLogger())).toMatchObject({
      extended: false,
    });
    expect((await t.jobs.findById(job.id))?.deadlineAt).toEqual(job.deadlineAt);
    expect((await t.videos.findById(videoId))?.durationSec).toBe(1);
  });

  it('ignores a report of another attempt, and leaves a job that already ended', async () => {
    const { videoId, job } = await launched();
    // Attempt 2 has no job, so no token of its own: nothing launched could have sent it.
    expect(await service().onStarted(started(job, { attempt: 2 }), quietLogger())).toEqual({
      kind: 'ignore',
      reason: 'forged',
      extended: false,
    });
    expect((await t.videos.findById(videoId))?.durationSec).toBeNull();

    await t.jobs.markFinished(job.id, 'lost', { errorCode: 'TASK_LOST' });
    expect(await service().onStarted(started(job), quietLogger())).toMatchObject({
      kind: 'record',
      extended: false,
    });
    expect((await t.jobs.findById(job.id))?.deadlineAt).toEqual(job.deadlineAt);
  });

  it('drops a report without its job’s token, counted by topic, and changes nothing', async () => {
    const { videoId, job } = await launched();
    const registry = new Registry();
    const svc = service(registry);
    const { jobToken: _, ...withoutToken } = started(job);
    const other = await launched();

    for (const forged of [
      withoutToken,
      started(job, { jobToken: other.job.jobToken }),
      started(job, { jobToken: '' }),
    ]) {
      expect(await svc.onStarted(forged, quietLogger())).toEqual({ kind: 'ignore', reason: 'forged', extended: false });
    }
    expect(await t.jobs.findById(job.id)).toEqual(job);
    expect((await t.videos.findById(videoId))?.durationSec).toBeNull();
    const counter = (await registry.getMetricsAsJSON()).find((m) => m.name === 'reelforge_forged_reports_total');
    expect(counter?.values).toEqual([{ labels: { topic: 'video.transcode-started' }, value: 3 }]);

    expect(await svc.onStarted(started(job), quietLogger())).toMatchObject({ kind: 'record', extended: true });
  });
});
