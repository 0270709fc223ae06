// Chunked jobs on a real MariaDB: a plan becomes chunk tasks, each part's report is applied once, a failed or lost
// chunk is launched again alone, its limit fails the video, and the stitch is launched exactly once.
import type { VideoChunkFailedV1, VideoChunkTranscodedV1, VideoTranscodeStartedV1 } from '@reelforge/contracts';
import type { TranscodeJob } from '@reelforge/db';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChunkService } from './chunk.service.js';
import { dispatcherMetrics } from './dispatcher.metrics.js';
import {
  chunkService,
  dispatchService,
  openTestDb,
  outboxMessages,
  quietLogger,
  RecordingLauncher,
  reaperService,
  type TestDb,
  uploadedVideo,
} from './testing/dispatch.fixtures.js';
import { TranscodeStartedService } from './transcode-started.service.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t?.close());

const log = quietLogger();
const chunks3 = [
  { index: 0, startSec: 0, endSec: 60 },
  { index: 1, startSec: 60, endSec: 120 },
  { index: 2, startSec: 120, endSec: 150.5 },
];

/** A first task launched for a new upload, as the dispatcher does it (its spec carrying the chunking). */
async function launchedJob(launcher: RecordingLauncher): Promise<TranscodeJob> {
  const message = await uploadedVideo(t);
  const outcome = await dispatchService(t, { launcher }).handleUploaded(message);
  if (outcome.result !== 'launched') throw new Error(`not launched: ${outcome.result}`);
  const job = await t.jobs.findById(outcome.jobId);
  if (!job) throw new Error('no job');
  return job;
}

const plan = (job: TranscodeJob, over: Partial<VideoTranscodeStartedV1> = {}): VideoTranscodeStartedV1 => ({
  version: 1,
  videoId: job.videoId,
  attempt: job.attempt,
  jobToken: job.jobToken,
  durationSec: 150.5,
  frameCount: 3612,
  width: 640,
  height: 360,
  startedAt: new Date().toISOString(),
  chunks: chunks3,
  ...over,
});

const done = (job: TranscodeJob, part: VideoChunkTranscodedV1['part'], taskSeconds = 10): VideoChunkTranscodedV1 => ({
  version: 1,
  videoId: job.videoId,
  attempt: job.attempt,
  jobToken: job.jobToken,
  part,
  partAttempt: 1,
  taskSeconds,
});

const failed = (
  job: TranscodeJob,
  part: VideoChunkFailedV1['part'],
  over: Partial<VideoChunkFailedV1> = {},
): VideoChunkFailedV1 => ({
  version: 1,
  videoId: job.videoId,
  attempt: job.attempt,
  jobToken: job.jobToken,
  part,
  partAttempt: 1,
  code: 'TRANSCODE_FAILED',
  message: 'ffmpeg exited with 1',
  retryable: true,
  taskSeconds: 3,
  ...over,
});

function startedService(chunks: ChunkService): TranscodeStartedService {
  return new TranscodeStartedService({
    db: t.db,
    videos: t.videos,
    jobs: t.jobs,
    deadline: { factor: 3, startupSec: 600, defaultDurationSec: 3600 },
    metrics: dispatcherMetrics(new Registry()),
    chunks,
  });
}

/** A job planned as `chunks3`, its chunk tasks launched on `launcher`. */
async function plannedJob(launcher: RecordingLauncher, opts: { maxPartAttempts?: number } = {}) {
  const job = await launchedJob(launcher);
  const chunks = chunkService(t, { launcher, ...opts });
  await startedService(chunks).onStarted(plan(job), log);
  const planned = await t.jobs.findById(job.id);
  if (!planned) throw new Error('job gone');
  return { job: planned, chunks };
}

const partsOf = async (jobId: string) =>
  (await t.parts.findByJob(jobId)).map((p) => [p.kind, p.chunkIndex, p.status, p.partAttempt]);

const launchedParts = (launcher: RecordingLauncher, videoId: string) =>
  launcher.launched.filter((r) => r.spec.videoId === videoId).map((r) => r.spec.part);

describe('a chunk plan', () => {
  it('launches one task per chunk (the aux part stays on the planning task) and nothing more when redelivered', async () => {
    const launcher = new RecordingLauncher();
    const job = await launchedJob(launcher);
    const first = launcher.launched[0];
    expect(first?.spec).toMatchObject({
      part: { kind: 'whole' },
      chunking: { thresholdSec: expect.any(Number), chunkSec: expect.any(Number), maxChunks: expect.any(Number) },
    });
    const chunks = chunkService(t, { launcher });

    expect(await startedService(chunks).onStarted(plan(job), log)).toMatchObject({ kind: 'record', planned: true });
    expect(await startedService(chunks).onStarted(plan(job), log)).toMatchObject({ kind: 'record', planned: false });

    expect(launchedParts(launcher, job.videoId)).toEqual([
      { kind: 'whole' },
      { kind: 'chunk', partAttempt: 1, index: 0, count: 3, startSec: 0, endSec: 60 },
      { kind: 'chunk', partAttempt: 1, index: 1, count: 3, startSec: 60, endSec: 120 },
      { kind: 'chunk', partAttempt: 1, index: 2, count: 3, startSec: 120, endSec: 150.5 },
    ]);
    expect(launcher.launched.slice(1).map((r) => r.token)).toEqual([
      `rf-${job.videoId}-a1-c0-p1`,
      `rf-${job.videoId}-a1-c1-p1`,
      `rf-${job.videoId}-a1-c2-p1`,
    ]);
    expect((await t.jobs.findById(job.id))?.chunkCount).toBe(3);
    expect(await partsOf(job.id)).toEqual([
      ['aux', 0, 'running', 1],
      ['chunk', 0, 'running', 1],
      ['chunk', 1, 'running', 1],
      ['chunk', 2, 'running', 1],
    ]);
    // Each chunk's deadline is sized from its own length (60 s × 3 + 600 s), not from the whole video's.
    const [, c0] = await t.parts.findByJob(job.id);
    const budget = (c0?.deadlineAt.getTime() ?? 0) - (c0?.updatedAt.getTime() ?? 0);
    expect(budget).toBeGreaterThan(779_000);
    expect(budget).toBeLessThan(781_000);
    // Its task's storage session need not outlast that deadline.
    expect(launcher.launched[1]?.storageUntil).toEqual(c0?.deadlineAt);
  });

  it('counts chunk tasks under the global cap: over it they wait for the recovery pass', async () => {
    const launcher = new RecordingLauncher();
    const job = await launchedJob(launcher);
    // The planning task (now the aux part) and two chunks fit; each job of another test in this database counts too.
    const inFlight = Number(
      (
        await t.db
          .selectFrom('transcodeJobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', 'in', ['launching', 'running'])
          .where('chunkCount', 'is', null)
          .executeTakeFirstOrThrow()
      ).n,
    );
    const others = Number(
      (
        await t.db
          .selectFrom('transcodeParts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', 'in', ['launching', 'running'])
          .executeTakeFirstOrThrow()
      ).n,
    );
    const chunks = chunkService(t, { launcher, maxRunningTasks: inFlight + others + 2 });
    await startedService(chunks).onStarted(plan(job), log);
    expect(launchedParts(launcher, job.videoId)).toHaveLength(3);
    const waiting = (await t.parts.findByJob(job.id)).filter((p) => p.status === 'pending');
    expect(waiting.map((p) => p.chunkIndex)).toEqual([2]);
    expect(waiting[0]?.launchAfter).not.toBeNull();
  });
});

describe('part reports', () => {
  it('launch exactly one stitch when every part is done, with duplicated reports on two consumers', async () => {
    const launcherA = new RecordingLauncher();
    const launcherB = new RecordingLauncher();
    const { job } = await plannedJob(launcherA);
    const a = chunkService(t, { launcher: launcherA });
    const b = chunkService(t, { launcher: launcherB });
    const reports = [
      done(job, { kind: 'aux' }, 40),
      ...chunks3.map((c) => done(job, { kind: 'chunk', index: c.index })),
    ];

    await Promise.all(
      [...reports, ...reports].flatMap((r) => [a.onPartTranscoded(r, log), b.onPartTranscoded(r, log)]),
    );

    const stitches = [...launcherA.launched, ...launcherB.launched].filter((r) => r.spec.part?.kind === 'stitch');
    expect(stitches.map((r) => [r.spec.videoId, r.spec.part, r.token])).toEqual([
      [job.videoId, { kind: 'stitch', count: 3 }, `rf-${job.videoId}-a1-s-p1`],
    ]);
    expect(await partsOf(job.id)).toEqual([
      ['aux', 0, 'succeeded', 1],
      ['chunk', 0, 'succeeded', 1],
      ['chunk', 1, 'succeeded', 1],
      ['chunk', 2, 'succeeded', 1],
      ['stitch', 0, 'running', 1],
    ]);
    // Each part's seconds counted once however often it was reported.
    const seconds = (await t.parts.findByJob(job.id)).map((p) => p.taskSeconds);
    expect(seconds).toEqual([40, 10, 10, 10, 0]);
    // Progress as the share of parts done, published like a task's, up to 4 of 5 + the stitch.
    const progress = (await outboxMessages(t, 'video.transcode-progress')).filter((m) => m.videoId === job.videoId);
    expect(progress.map((m) => m.percent).sort((x, y) => Number(x) - Number(y))).toEqual([20, 40, 60, 80]);
    expect(progress[0]).toMatchObject({ attempt: 1, jobToken: job.jobToken });
  });

  it('launch a chunk that failed retryably again, alone, as its next part-attempt', async () => {
    const launcher = new RecordingLauncher();
    const { job, chunks } = await plannedJob(launcher);
    const before = launcher.launched.length;

    await chunks.onPartFailed(failed(job, { kind: 'chunk', index: 1 }), log);
    // Redelivered: a report of part-attempt 1 while the second runs changes nothing.
    expect((await chunks.onPartFailed(failed(job, { kind: 'chunk', index: 1 }), log))?.decision).toEqual({
      kind: 'ignore',
      reason: 'part-not-running',
    });

    expect(launcher.launched.slice(before).map((r) => [r.spec.part, r.token])).toEqual([
      [{ kind: 'chunk', partAttempt: 2, index: 1, count: 3, startSec: 60, endSec: 120 }, `rf-${job.videoId}-a1-c1-p2`],
    ]);
    expect(await partsOf(job.id)).toEqual([
      ['aux', 0, 'running', 1],
      ['chunk', 0, 'running', 1],
      ['chunk', 1, 'running', 2],
      ['chunk', 2, 'running', 1],
    ]);
    expect((await t.videos.findById(job.videoId))?.status).toBe('processing');
  });

  it('end the attempt with the code when a chunk reaches its limit, and stop its other tasks', async () => {
    const launcher = new RecordingLauncher();
    const { job, chunks } = await plannedJob(launcher, { maxPartAttempts: 2 });

    await chunks.onPartFailed(failed(job, { kind: 'chunk', index: 2 }), log);
    await chunks.onPartFailed(
      failed(job, { kind: 'chunk', index: 2 }, { partAttempt: 2, message: 'ffmpeg died again' }),
      log,
    );

    // The job ends here; the video's end (and the deletion of what the attempt wrote) is completion's, from this.
    expect(await t.jobs.findById(job.id)).toMatchObject({ status: 'failed', errorCode: 'TRANSCODE_FAILED' });
    expect((await outboxMessages(t, 'video.transcode-failed')).filter((m) => m.videoId === job.videoId)).toEqual([
      expect.objectContaining({
        attempt: 1,
        jobToken: job.jobToken,
        code: 'TRANSCODE_FAILED',
        message: 'chunk 2 failed 2 times; last: ffmpeg died again',
        retryable: false,
      }),
    ]);
    expect((await t.videos.findById(job.videoId))?.status).toBe('processing');
    // The planning task (aux) and the other two chunks were still running: stopped, not left to spend.
    expect(launcher.stopped).toHaveLength(3);
    // Their late reports change nothing, and no stitch follows.
    for (const part of [{ kind: 'aux' as const }, ...[0, 1].map((index) => ({ kind: 'chunk' as const, index }))]) {
      expect((await chunks.onPartTranscoded(done(job, part), log))?.decision).toEqual({
        kind: 'ignore',
        reason: 'job-ended',
      });
    }
    expect(launchedParts(launcher, job.videoId).some((p) => p?.kind === 'stitch')).toBe(false);
  });

  it('end the attempt at once on a permanent failure', async () => {
    const launcher = new RecordingLauncher();
    const { job, chunks } = await plannedJob(launcher);
    await chunks.onPartFailed(
      failed(job, { kind: 'aux' }, { code: 'MEDIA_INVALID', message: 'no audio decoder', retryable: false }),
      log,
    );
    expect(await t.jobs.findById(job.id)).toMatchObject({ status: 'failed', errorCode: 'MEDIA_INVALID' });
    expect((await outboxMessages(t, 'video.transcode-failed')).filter((m) => m.videoId === job.videoId)).toEqual([
      expect.objectContaining({ code: 'MEDIA_INVALID', message: 'no audio decoder', retryable: false }),
    ]);
  });

  it('drop and count a report without the job token', async () => {
    const launcher = new RecordingLauncher();
    const registry = new Registry();
    const { job } = await plannedJob(launcher);
    const chunks = chunkService(t, { launcher, metrics: dispatcherMetrics(registry) });

    expect(await chunks.onPartTranscoded({ ...done(job, { kind: 'aux' }), jobToken: 'f'.repeat(64) }, log)).toBeNull();
    expect(
      await chunks.onPartFailed({ ...failed(job, { kind: 'chunk', index: 0 }), jobToken: undefined }, log),
    ).toBeNull();

    expect(await partsOf(job.id)).toEqual([
      ['aux', 0, 'running', 1],
      ['chunk', 0, 'running', 1],
      ['chunk', 1, 'running', 1],
      ['chunk', 2, 'running', 1],
    ]);
    const forged = (await registry.getMetricsAsJSON()).find((m) => m.name === 'reelforge_forged_reports_total');
    expect(forged?.values).toEqual(
      expect.arrayContaining([
        { labels: { topic: 'video.chunk-transcoded' }, value: 1 },
        { labels: { topic: 'video.chunk-failed' }, value: 1 },
      ]),
    );
  });
});

const killed = { state: 'stopped' as const, exitCode: null, reason: 'killed by SIGKILL', stoppedAt: new Date(0) };

describe('the reaper', () => {
  it('launches a lost chunk task again alone, and leaves the chunked job itself alone', async () => {
    const launcher = new RecordingLauncher();
    const { job } = await plannedJob(launcher);
    const chunk0 = (await t.parts.findByJob(job.id)).find((p) => p.kind === 'chunk' && p.chunkIndex === 0);
    if (!chunk0?.taskId) throw new Error('chunk 0 not running');
    launcher.end(chunk0.taskId, killed);
    const before = launcher.launched.length;

    const reaped = await reaperService(t, { launcher }).reapOnce();

    expect(reaped.filter((r) => r.videoId === job.videoId).map((r) => r.code)).toEqual(['TASK_LOST']);
    expect(launcher.launched.slice(before).map((r) => [r.spec.part, r.token])).toEqual([
      [{ kind: 'chunk', partAttempt: 2, index: 0, count: 3, startSec: 0, endSec: 60 }, `rf-${job.videoId}-a1-c0-p2`],
    ]);
    expect(await partsOf(job.id)).toEqual([
      ['aux', 0, 'running', 1],
      ['chunk', 0, 'running', 2],
      ['chunk', 1, 'running', 1],
      ['chunk', 2, 'running', 1],
    ]);
    expect(await t.jobs.findById(job.id)).toMatchObject({ status: 'running' });
    expect((await outboxMessages(t, 'video.transcode-failed')).filter((m) => m.videoId === job.videoId)).toEqual([]);
  });

  it('launches the aux part as a task of its own when the planning task is lost before reporting it', async () => {
    const launcher = new RecordingLauncher();
    const { job } = await plannedJob(launcher);
    if (!job.taskId) throw new Error('planning task not running');
    // As when the plan arrived before the launch was recorded: the planning task's id is on the job row only.
    await t.db
      .updateTable('transcodeParts')
      .set({ taskId: null })
      .where('jobId', '=', job.id)
      .where('kind', '=', 'aux')
      .execute();
    launcher.end(job.taskId, killed);
    const before = launcher.launched.length;

    await reaperService(t, { launcher }).reapOnce();

    expect(launcher.launched.slice(before).map((r) => [r.spec.part, r.token])).toEqual([
      [{ kind: 'aux', partAttempt: 2 }, `rf-${job.videoId}-a1-x-p2`],
    ]);
    expect(await t.jobs.findById(job.id)).toMatchObject({ status: 'running' });
  });

  it('turns a lost stitch into a retryable failure of the attempt, for completion to retry', async () => {
    const launcher = new RecordingLauncher();
    const { job, chunks } = await plannedJob(launcher);
    for (const part of [{ kind: 'aux' as const }, ...chunks3.map((c) => ({ kind: 'chunk' as const, index: c.index }))])
      await chunks.onPartTranscoded(done(job, part), log);
    const stitch = (await t.parts.findByJob(job.id)).find((p) => p.kind === 'stitch');
    if (!stitch?.taskId) throw new Error('stitch not running');
    launcher.end(stitch.taskId, {
      state: 'stopped',
      exitCode: 137,
      reason: 'OutOfMemoryError',
      stoppedAt: new Date(0),
    });

    await reaperService(t, { launcher }).reapOnce();

    expect((await outboxMessages(t, 'video.transcode-failed')).filter((m) => m.videoId === job.videoId)).toEqual([
      expect.objectContaining({ attempt: 1, code: 'TASK_LOST', retryable: true, jobToken: job.jobToken }),
    ]);
    expect((await t.parts.findById(stitch.id))?.status).toBe('failed');
  });
});
