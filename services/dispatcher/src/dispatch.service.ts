// From `video.uploaded` to a running task: the job row and the video's move to queued in one transaction, then a
// compare-and-set claim so that exactly one consumer (of redeliveries, replicas and restarts) launches the attempt.
// Also relaunches jobs a dead dispatcher left pending or launching.
import { AppError, type VideoUploadedV1 } from '@reelforge/contracts';
import type {
  Database,
  JobRepository,
  Kysely,
  OutboxRepository,
  TranscodeJob,
  Video,
  VideoRepository,
} from '@reelforge/db';
import type { Logger } from 'pino';
import type { DispatcherMetrics } from './dispatcher.metrics.js';
import { type DeadlinePolicy, jobDeadline } from './job.deadline.js';
import { buildLaunchRequest, launchToken } from './launch.request.js';
import type { LaunchSlots, Slot } from './launch.slots.js';
import type { TaskLauncher } from './task.launcher.js';
import { type SkipReason, skipReason } from './video.gate.js';

export interface DispatchDeps {
  db: Kysely<Database>;
  videos: VideoRepository;
  jobs: JobRepository;
  outbox: OutboxRepository;
  launcher: TaskLauncher;
  slots: LaunchSlots;
  metrics: DispatcherMetrics;
  logger: Logger;
  processedBucket: string;
  deadline: DeadlinePolicy;
  /** A job pending or launching for this long belongs to a dispatcher that died: relaunch it. */
  recoverAfterSec: number;
  /** Test hook: runs once the job is committed and before anything is launched (a crash there). */
  afterJobCreated?: (job: TranscodeJob) => void;
}

export type DispatchOutcome =
  | { result: 'skipped'; reason: SkipReason }
  | { result: 'already-claimed'; jobId: string }
  | { result: 'no-slot'; jobId: string }
  | { result: 'launched'; jobId: string; taskId: string }
  | { result: 'launch-failed'; jobId: string; code: string };

export class DispatchService {
  constructor(private readonly deps: DispatchDeps) {}

  async handleUploaded(message: VideoUploadedV1, signal?: AbortSignal): Promise<DispatchOutcome> {
    const { db, videos, jobs, launcher, logger } = this.deps;
    const log = logger.child({ videoId: message.videoId, attempt: message.attempt });
    const prepared = await db.transaction().execute(async (tx) => {
      const video = await videos.findById(message.videoId, tx);
      const skip = skipReason(video, message.attempt);
      if (skip || video === null) return { kind: 'skip' as const, reason: skip ?? 'missing' };
      // The video row first: its exclusive lock queues a replica handling the same message right here. Taking the
      // job row first deadlocks two of them (each holds the video's shared foreign-key lock the other's update needs).
      // Attempt 1 comes from `uploaded`; a retry's video is already queued (completion moved it).
      const queued = video.status === 'uploaded' && (await videos.transition(video.id, ['uploaded'], 'queued', {}, tx));
      let created: { job: TranscodeJob; created: boolean };
      try {
        created = await jobs.createIfAbsent(tx, {
          videoId: video.id,
          attempt: message.attempt,
          launcher: launcher.kind,
          deadlineAt: jobDeadline(new Date(), video.durationSec, this.deps.deadline),
        });
      } catch (err) {
        // Deleted between the read and the insert.
        if (err instanceof AppError && err.code === 'NOT_FOUND')
          return { kind: 'skip' as const, reason: 'missing' as const };
        throw err;
      }
      return { kind: 'job' as const, video, ...created, queued };
    });

    if (prepared.kind === 'skip') {
      log.info({ reason: prepared.reason }, 'video.uploaded ignored');
      return { result: 'skipped', reason: prepared.reason };
    }
    const { video, job } = prepared;
    if (prepared.created) {
      log.info(
        { jobId: job.id, job: 'pending', ...(prepared.queued ? { video: 'queued' } : {}), deadlineAt: job.deadlineAt },
        'transcode job created',
      );
      this.deps.afterJobCreated?.(job);
    }
    if (job.status !== 'pending') {
      log.info({ jobId: job.id, status: job.status }, 'job already claimed; redelivered message acknowledged');
      return { result: 'already-claimed', jobId: job.id };
    }
    return this.launch(job, video, log, { slot: await this.deps.slots.acquire(signal) });
  }

  /**
   * One pass over jobs left pending or launching too long; each is relaunched at most once across replicas (the
   * claim) and, on ECS, with its first token (one task however often it is retried). Returns how many launched.
   */
  async recoverOnce(limit = 100): Promise<number> {
    const { jobs, videos, launcher, logger, recoverAfterSec } = this.deps;
    let launched = 0;
    for (const job of await jobs.findPendingLaunches(recoverAfterSec, limit)) {
      const log = logger.child({ videoId: job.videoId, attempt: job.attempt, jobId: job.id });
      if (job.launcher !== launcher.kind) {
        log.warn({ launcher: job.launcher }, 'stale job belongs to another launcher; left alone');
        continue;
      }
      const video = await videos.findById(job.videoId);
      const skip = skipReason(video, job.attempt);
      if (skip || video === null) {
        if (
          await jobs.markFinished(job.id, 'failed', { errorCode: 'CONFLICT', errorMessage: `not launched: ${skip}` })
        ) {
          log.warn({ reason: skip, job: 'failed' }, 'stale job closed without launching');
        }
        continue;
      }
      const slot = this.deps.slots.tryAcquire();
      if (slot === null) break;
      log.warn({ status: job.status, updatedAt: job.updatedAt }, 'recovering a job left behind by a dispatcher');
      const outcome = await this.launch(job, video, log, { slot, reclaimAfterSec: recoverAfterSec });
      if (outcome.result === 'launched') launched++;
    }
    return launched;
  }

  private async launch(
    job: TranscodeJob,
    video: Video,
    log: Logger,
    opts: { slot: Slot; reclaimAfterSec?: number },
  ): Promise<DispatchOutcome> {
    const { jobs, videos, launcher, metrics, db } = this.deps;
    let slotHandedOver = false;
    try {
      const token = launchToken(job.videoId, job.attempt);
      const claimed = await jobs.claimForLaunch(
        job.id,
        token,
        opts.reclaimAfterSec === undefined ? {} : { reclaimAfterSec: opts.reclaimAfterSec },
      );
      if (claimed === null) {
        log.info({ jobId: job.id }, 'job claimed elsewhere; not launching');
        return { result: 'already-claimed', jobId: job.id };
      }
      log.info({ jobId: job.id, job: 'launching', launcher: launcher.kind }, 'job claimed for launch');

      let task: Awaited<ReturnType<TaskLauncher['launch']>>;
      try {
        task = await launcher.launch(buildLaunchRequest(claimed, video, this.deps.processedBucket));
      } catch (err) {
        return await this.recordLaunchFailure(claimed, err, log);
      }
      metrics.launches.inc({ launcher: launcher.kind });
      if (task.ended) {
        slotHandedOver = true;
        task.ended.finally(() => opts.slot.release());
      }

      const [running, processing] = await db
        .transaction()
        .execute(async (tx) => [
          await jobs.markRunning(job.id, task.taskId, tx),
          await videos.markProcessing(job.videoId, job.attempt, tx),
        ]);
      metrics.queuedSeconds.observe(Math.max(0, (Date.now() - job.createdAt.getTime()) / 1000));
      log.info(
        {
          jobId: job.id,
          taskId: task.taskId,
          // False when the task's result already arrived (or the reaper got there): nothing more to record.
          ...(running ? { job: 'running' } : {}),
          ...(processing ? { video: 'processing' } : {}),
        },
        'task launched',
      );
      return { result: 'launched', jobId: job.id, taskId: task.taskId };
    } finally {
      if (!slotHandedOver) opts.slot.release();
    }
  }

  /**
   * The job fails and a `video.transcode-failed` goes out through the outbox in the same transaction, so the
   * completion service decides retry-or-fail as for any other failure.
   */
  private async recordLaunchFailure(job: TranscodeJob, err: unknown, log: Logger): Promise<DispatchOutcome> {
    const error =
      err instanceof AppError ? err : new AppError('LAUNCH_FAILED', `launch failed: ${String(err)}`, { cause: err });
    this.deps.metrics.launchFailures.inc({ launcher: this.deps.launcher.kind, code: error.code });
    const recorded = await this.deps.db.transaction().execute(async (tx) => {
      const finished = await this.deps.jobs.markFinished(
        job.id,
        'failed',
        { errorCode: error.code, errorMessage: error.message },
        tx,
      );
      if (finished) {
        await this.deps.outbox.add(tx, {
          topic: 'video.transcode-failed',
          payload: {
            version: 1,
            videoId: job.videoId,
            attempt: job.attempt,
            code: error.code,
            message: error.message,
            retryable: error.retryable,
          },
        });
      }
      return finished;
    });
    log.warn(
      { err, jobId: job.id, code: error.code, retryable: error.retryable, ...(recorded ? { job: 'failed' } : {}) },
      'task launch failed',
    );
    return { result: 'launch-failed', jobId: job.id, code: error.code };
  }
}
