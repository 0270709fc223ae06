import { AppError } from '@reelforge/contracts';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatcherMetrics } from './dispatcher.metrics.js';
import { LaunchSlots } from './launch.slots.js';
import {
  dispatchService,
  openTestDb,
  outboxMessages,
  RecordingLauncher,
  recordingLogger,
  type TestDb,
  uploadedVideo,
} from './testing/dispatch.fixtures.js';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t?.close());

const jobsOf = (videoId: string) =>
  t.db.selectFrom('transcodeJobs').selectAll().where('videoId', '=', videoId).orderBy('attempt').execute();

/** Backdates a job's last change, as if its dispatcher had gone quiet that long ago. */
const age = (jobId: string, seconds: number) =>
  t.db
    .updateTable('transcodeJobs')
    .set({ updatedAt: new Date(Date.now() - seconds * 1000) })
    .where('id', '=', jobId)
    .execute();

describe('DispatchService.handleUploaded', () => {
  it('creates the job, queues the video, launches the task once and records it running and processing', async () => {
    const launcher = new RecordingLauncher('');
    const registry = new Registry();
    const { logger, lines } = recordingLogger();
    const service = dispatchService(t, { launcher, logger, metrics: dispatcherMetrics(registry) });
    const message = await uploadedVideo(t);

    const outcome = await service.handleUploaded(message);

    const [job] = await jobsOf(message.videoId);
    expect(outcome).toEqual({ result: 'launched', jobId: job?.id, taskId: 'task-1' });
    expect(job).toMatchObject({
      attempt: 1,
      status: 'running',
      launcher: 'local',
      taskId: 'task-1',
      launchToken: `rf-${message.videoId}-a1`,
    });
    expect((await t.videos.findById(message.videoId))?.status).toBe('processing');
    expect(launcher.launched).toEqual([
      {
        jobId: job?.id,
        token: `rf-${message.videoId}-a1`,
        spec: {
          version: 1,
          videoId: message.videoId,
          attempt: 1,
          source: message.source,
          output: { bucket: 'processed', prefix: `videos/${message.videoId}/1/` },
          profile: 'default',
          // A first task: the whole job, planned as chunks if its source is long enough.
          part: { kind: 'whole' },
          chunking: { thresholdSec: 300, chunkSec: 60, maxChunks: 64 },
          jobToken: job?.jobToken,
        },
        storageUntil: expect.any(Date),
      },
    ]);
    // What the task is handed for storage lasts at least as long as the job may run.
    expect(launcher.launched[0]?.storageUntil?.getTime()).toBeGreaterThanOrEqual(job?.deadlineAt.getTime() ?? Infinity);
    // One log line per state change, each with videoId, attempt and jobId: a slot was free, so the job was
    // created claimed.
    const changes = lines.filter((l) => l.videoId === message.videoId && ('job' in l || 'video' in l));
    expect(changes.map((l) => [l.msg, l.job, l.video ?? null, l.attempt, l.jobId])).toEqual([
      ['transcode job created', 'launching', 'queued', 1, job?.id],
      ['task launched', 'running', 'processing', 1, job?.id],
    ]);
    const metrics = await registry.getMetricsAsJSON();
    const launches = metrics.find((m) => m.name === 'reelforge_task_launches_total');
    expect(launches?.values).toEqual([{ labels: { launcher: 'local' }, value: 1 }]);
    const queued = await registry.getSingleMetric('reelforge_job_queued_seconds')?.get();
    const observations = queued?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'));
    expect(observations?.value).toBe(1);
  });

  it('acknowledges a redelivered message without a second job or launch', async () => {
    const launcher = new RecordingLauncher();
    const service = dispatchService(t, { launcher });
    const message = await uploadedVideo(t);
    await service.handleUploaded(message);
    const again = await service.handleUploaded(message);
    expect(again.result).toBe('already-claimed');
    expect(await jobsOf(message.videoId)).toHaveLength(1);
    expect(launcher.launched).toHaveLength(1);
  });

  it('launches once when two replicas get the same message at the same time', async () => {
    const launcher = new RecordingLauncher();
    launcher.delayMs = 50;
    const a = dispatchService(t, { launcher });
    const b = dispatchService(t, { launcher });
    const message = await uploadedVideo(t);
    const outcomes = await Promise.all([a.handleUploaded(message), b.handleUploaded(message)]);
    expect(outcomes.map((o) => o.result).sort()).toEqual(['already-claimed', 'launched']);
    expect(await jobsOf(message.videoId)).toHaveLength(1);
    expect(launcher.launched).toHaveLength(1);
  });

  it('handles a burst in shared transactions: one job, one launch, running and processing per video', async () => {
    const launcher = new RecordingLauncher();
    const [a, b] = [dispatchService(t, { launcher }), dispatchService(t, { launcher })];
    const messages = await Promise.all(Array.from({ length: 40 }, () => uploadedVideo(t)));
    const deleted = messages[7] as (typeof messages)[number];
    await t.videos.delete(deleted.videoId);
    // Every message twice to each of two replicas, all at once: the batches of both overlap and repeat videos.
    const outcomes = await Promise.all(
      [...messages, ...messages].flatMap((m) => [a.handleUploaded(m), b.handleUploaded(m)]),
    );

    const count = (result: string) => outcomes.filter((o) => o.result === result).length;
    expect([count('launched'), count('already-claimed'), count('skipped')]).toEqual([39, 39 * 3, 4]);
    expect(launcher.launched).toHaveLength(39);
    const jobs = await t.db
      .selectFrom('transcodeJobs')
      .select(['videoId', 'status', 'taskId'])
      .where(
        'videoId',
        'in',
        messages.map((m) => m.videoId),
      )
      .execute();
    expect(jobs).toHaveLength(39);
    expect(new Set(jobs.map((j) => j.videoId)).size).toBe(39);
    expect(jobs.every((j) => j.status === 'running' && j.taskId !== null)).toBe(true);
    const videos = await t.db
      .selectFrom('videos')
      .select('status')
      .where(
        'id',
        'in',
        messages.map((m) => m.videoId),
      )
      .execute();
    expect(videos.map((v) => v.status)).toEqual(Array(39).fill('processing'));
  });

  it('ignores a message of an older attempt, of a finished video, of a deleted video', async () => {
    const launcher = new RecordingLauncher();
    const service = dispatchService(t, { launcher });

    const retried = await uploadedVideo(t);
    await service.handleUploaded(retried);
    // Completion started attempt 2 meanwhile.
    await t.db.transaction().execute((tx) => t.videos.startNextAttempt(tx, retried.videoId, 1));
    expect(await service.handleUploaded(retried)).toEqual({ result: 'skipped', reason: 'stale-attempt' });

    const finished = await uploadedVideo(t);
    await t.videos.transition(finished.videoId, ['uploaded'], 'failed', { errorCode: 'X', errorMessage: 'x' });
    expect(await service.handleUploaded(finished)).toEqual({ result: 'skipped', reason: 'finished' });

    const deleted = await uploadedVideo(t);
    await t.videos.delete(deleted.videoId);
    expect(await service.handleUploaded(deleted)).toEqual({ result: 'skipped', reason: 'missing' });

    expect(launcher.launched.map((l) => l.spec.videoId)).toEqual([retried.videoId]);
    expect(await jobsOf(finished.videoId)).toEqual([]);
  });

  it('launches a retry attempt of a video completion put back in queued', async () => {
    const launcher = new RecordingLauncher();
    const service = dispatchService(t, { launcher });
    const message = await uploadedVideo(t);
    await service.handleUploaded(message);
    await t.db.transaction().execute((tx) => t.videos.startNextAttempt(tx, message.videoId, 1));
    const outcome = await service.handleUploaded({ ...message, attempt: 2 });
    expect(outcome.result).toBe('launched');
    expect((await jobsOf(message.videoId)).map((j) => [j.attempt, j.status])).toEqual([
      [1, 'running'],
      [2, 'running'],
    ]);
    expect(launcher.launched.map((l) => l.token)).toEqual([`rf-${message.videoId}-a1`, `rf-${message.videoId}-a2`]);
    expect(await t.videos.findById(message.videoId)).toMatchObject({ status: 'processing', attempt: 2 });
  });

  it('turns a launch failure into a failed job and a transcode-failed in the outbox, retryable as its code says', async () => {
    const launcher = new RecordingLauncher();
    const service = dispatchService(t, { launcher });

    const capacity = await uploadedVideo(t);
    launcher.failWith = new AppError('LAUNCH_FAILED', 'ECS did not start the task: RESOURCE:MEMORY');
    expect(await service.handleUploaded(capacity)).toMatchObject({ result: 'launch-failed', code: 'LAUNCH_FAILED' });

    const refused = await uploadedVideo(t);
    launcher.failWith = new AppError('BAD_REQUEST', 'ECS RunTask failed: InvalidParameterException: no subnet');
    expect(await service.handleUploaded(refused)).toMatchObject({ result: 'launch-failed', code: 'BAD_REQUEST' });

    const [capacityJob] = await jobsOf(capacity.videoId);
    expect(capacityJob).toMatchObject({
      status: 'failed',
      errorCode: 'LAUNCH_FAILED',
      errorMessage: 'ECS did not start the task: RESOURCE:MEMORY',
    });
    const failures = (await outboxMessages(t, 'video.transcode-failed')).filter(
      (m) => m.videoId === capacity.videoId || m.videoId === refused.videoId,
    );
    expect(failures).toEqual([
      {
        version: 1,
        videoId: capacity.videoId,
        attempt: 1,
        jobToken: (await t.jobs.findByVideoAttempt(capacity.videoId, 1))?.jobToken,
        code: 'LAUNCH_FAILED',
        message: 'ECS did not start the task: RESOURCE:MEMORY',
        retryable: true,
      },
      {
        version: 1,
        videoId: refused.videoId,
        attempt: 1,
        jobToken: (await t.jobs.findByVideoAttempt(refused.videoId, 1))?.jobToken,
        code: 'BAD_REQUEST',
        message: 'ECS RunTask failed: InvalidParameterException: no subnet',
        retryable: false,
      },
    ]);
    // Queued, not processing: completion decides what comes next.
    expect((await t.videos.findById(capacity.videoId))?.status).toBe('queued');
  });

  it('waits for a free slot before claiming, and frees it when the task ends', async () => {
    const launcher = new RecordingLauncher('');
    launcher.trackEnds = true;
    const slots = new LaunchSlots(1);
    const service = dispatchService(t, { launcher, slots });
    const first = await uploadedVideo(t);
    const second = await uploadedVideo(t);
    await service.handleUploaded(first);
    expect(slots.full).toBe(true);

    const waiting = service.handleUploaded(second);
    await new Promise((r) => setTimeout(r, 200));
    // Created and queued, but not claimed: a replica with a free slot may take it over meanwhile.
    expect((await jobsOf(second.videoId)).map((j) => j.status)).toEqual(['pending']);
    expect(launcher.launched).toHaveLength(1);

    launcher.end('task-1');
    expect((await waiting).result).toBe('launched');
    expect(launcher.launched).toHaveLength(2);
  });

  it('gives up waiting for a slot when the consumer stops, leaving the job pending for recovery', async () => {
    const launcher = new RecordingLauncher();
    launcher.trackEnds = true;
    const slots = new LaunchSlots(1);
    const service = dispatchService(t, { launcher, slots });
    const first = await service.handleUploaded(await uploadedVideo(t));
    const message = await uploadedVideo(t);
    const stopping = new AbortController();
    const waiting = service.handleUploaded(message, stopping.signal);
    stopping.abort(new Error('consumer stopping'));
    await expect(waiting).rejects.toThrow('consumer stopping');
    expect((await jobsOf(message.videoId)).map((j) => j.status)).toEqual(['pending']);

    // Redelivered once a slot is free: the pending job is claimed in the transaction that finds it.
    launcher.end(first.result === 'launched' ? first.taskId : '');
    await new Promise((r) => setImmediate(r));
    const again = await service.handleUploaded(message);
    expect(again).toMatchObject({ result: 'launched', taskId: expect.stringMatching(/task-2$/) });
    expect((await jobsOf(message.videoId)).map((j) => [j.status, j.launchToken])).toEqual([
      ['running', `rf-${message.videoId}-a1`],
    ]);
  });
});

describe('DispatchService.recoverOnce', () => {
  it('relaunches a job its dispatcher left pending, exactly once across replicas', async () => {
    const launcher = new RecordingLauncher();
    const message = await uploadedVideo(t);
    // A dispatcher that died right after committing the job.
    const { job } = await t.db.transaction().execute((tx) =>
      t.jobs.createIfAbsent(tx, {
        videoId: message.videoId,
        attempt: 1,
        launcher: 'local',
        deadlineAt: new Date(Date.now() + 3_600_000),
      }),
    );
    await t.videos.transition(message.videoId, ['uploaded'], 'queued');
    const a = dispatchService(t, { launcher, recoverAfterSec: 5 });
    const b = dispatchService(t, { launcher, recoverAfterSec: 5 });

    // Not yet: it might be a live dispatcher's job.
    expect(await a.recoverOnce()).toBe(0);
    await age(job.id, 10);
    launcher.delayMs = 50;
    const launched = await Promise.all([a.recoverOnce(), b.recoverOnce()]);
    expect(launched.reduce((x, y) => x + y, 0)).toBe(1);
    expect(launcher.launched.filter((l) => l.jobId === job.id)).toHaveLength(1);
    expect(await t.jobs.findById(job.id)).toMatchObject({ status: 'running', launchToken: `rf-${message.videoId}-a1` });
    expect((await t.videos.findById(message.videoId))?.status).toBe('processing');
    // A redelivery of its message afterwards changes nothing.
    expect((await a.handleUploaded(message)).result).toBe('already-claimed');
  });

  it('relaunches a job stuck in launching with the token of its first claim', async () => {
    const launcher = new RecordingLauncher();
    const message = await uploadedVideo(t);
    const { job } = await t.db.transaction().execute((tx) =>
      t.jobs.createIfAbsent(tx, {
        videoId: message.videoId,
        attempt: 1,
        launcher: 'local',
        deadlineAt: new Date(Date.now() + 3_600_000),
      }),
    );
    await t.jobs.claimForLaunch(job.id, 'token-of-the-first-claim');
    await age(job.id, 120);
    const service = dispatchService(t, { launcher, recoverAfterSec: 60 });
    expect(await service.recoverOnce()).toBe(1);
    expect(launcher.launched.map((l) => l.token)).toEqual(['token-of-the-first-claim']);
  });

  it('closes a stale job whose video moved on instead of launching it', async () => {
    const launcher = new RecordingLauncher();
    const message = await uploadedVideo(t);
    const { job } = await t.db.transaction().execute((tx) =>
      t.jobs.createIfAbsent(tx, {
        videoId: message.videoId,
        attempt: 1,
        launcher: 'local',
        deadlineAt: new Date(Date.now() + 3_600_000),
      }),
    );
    await t.videos.transition(message.videoId, ['uploaded'], 'failed', { errorCode: 'X', errorMessage: 'x' });
    await age(job.id, 120);
    await dispatchService(t, { launcher, recoverAfterSec: 60 }).recoverOnce();
    expect(launcher.launched).toEqual([]);
    expect(await t.jobs.findById(job.id)).toMatchObject({ status: 'failed', errorCode: 'CONFLICT' });
  });
});
