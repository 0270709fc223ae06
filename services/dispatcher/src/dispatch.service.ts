// From `video.uploaded` to a running task: the job row, the video's move to queued and the job's claim for launch in
// one transaction, so that exactly one consumer (of redeliveries, replicas and restarts) launches the attempt.
// Also relaunches jobs a dead dispatcher left pending or launching, and those that waited for launch capacity: the
// global cap on tasks in flight (counted in MySQL across replicas when a job is claimed) and the platform's own room
// (a launch ECS had no capacity for goes back to wait with a backoff, costing no attempt).
// Both database steps (job in, task started) are batched across the messages in hand (CallBatcher): at thousands of
// messages a second the cost is round trips and commits, and a batch pays them once.
import { type AppError, type ChunkingV1, processingFailed, type VideoUploadedV1 } from '@reelforge/contracts';
import {
  type Database,
  failAttempt,
  freeLaunchSlots,
  type JobRepository,
  type Kysely,
  type OutboxRepository,
  type TaskSize,
  type TranscodeJob,
  transaction,
  type Video,
  type VideoRepository,
} from '@reelforge/db';
import type { Logger } from 'pino';
import { CallBatcher } from './call.batcher.js';
import type { DispatcherMetrics } from './dispatcher.metrics.js';
import { type DeadlinePolicy, jobDeadline, latestDeadline } from './job.deadline.js';
import { type CapacityWaitPolicy, judgeLaunchFailure } from './launch.capacity.policy.js';
import { buildLaunchRequest, launchToken } from './launch.request.js';
import type { LaunchSlots, Slot } from './launch.slots.js';
import type { TaskLauncher } from './task.launcher.js';
import { type SkipReason, skipReason } from './video.gate.js';

/** Messages (or jobs) in one transaction at most: a few hundred rows keep statements and lock times small. */
const MAX_BATCH = 200;

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
  /** Jobs launching or running at once across every replica; Infinity for no cap. */
  maxRunningTasks: number;
  /** How long a job the platform had no capacity for waits before it is claimed again. */
  capacityWait: CapacityWaitPolicy;
  /** On every first task's spec: when and how it splits a long source into chunk tasks. Absent: never. */
  chunking?: ChunkingV1;
  /** Recorded on each job, for what its attempt cost. */
  taskSize?: TaskSize;
  /** Test hook: runs once the job is committed and before anything is launched (a crash there). */
  afterJobCreated?: (job: TranscodeJob) => void;
}

export type DispatchOutcome =
  | { result: 'skipped'; reason: SkipReason }
  | { result: 'already-claimed'; jobId: string }
  | { result: 'launched'; jobId: string; taskId: string }
  /** Pending until launch capacity frees (the global cap, or the platform's); the recovery pass launches it. */
  | { result: 'waiting'; jobId: string }
  | { result: 'launch-failed'; jobId: string; code: string };

type Intake =
  | { kind: 'skip'; reason: SkipReason }
  | {
      kind: 'job';
      video: Video;
      job: TranscodeJob;
      created: boolean;
      queued: boolean;
      claimed: boolean;
      /** It held a local slot but the global cap was reached: left pending for the recovery pass. */
      waiting: boolean;
    };

interface Started {
  running: boolean;
  processing: boolean;
}

export class DispatchService {
  private readonly intake = new CallBatcher<{ message: VideoUploadedV1; claim: boolean }, Intake>({
    run: (items) => this.intakeBatch(items),
    maxBatch: MAX_BATCH,
    // Two attempts of one video in a batch would lock and insert against each other.
    keyOf: ({ message }) => message.videoId,
  });
  private readonly starts = new CallBatcher<{ job: TranscodeJob; taskId: string }, Started>({
    run: (started) => this.startBatch(started),
    maxBatch: MAX_BATCH,
  });

  constructor(private readonly deps: DispatchDeps) {}

  async handleUploaded(message: VideoUploadedV1, signal?: AbortSignal): Promise<DispatchOutcome> {
    const log = this.deps.logger.child({ videoId: message.videoId, attempt: message.attempt });
    // A slot in hand lets the job be claimed in the transaction that creates it.
    const slot = this.deps.slots.tryAcquire();
    let prepared: Intake;
    try {
      prepared = await this.intake.submit({ message, claim: slot !== null });
    } catch (err) {
      slot?.release();
      throw err;
    }
    if (prepared.kind === 'skip') {
      slot?.release();
      log.info({ reason: prepared.reason }, 'video.uploaded ignored');
      return { result: 'skipped', reason: prepared.reason };
    }
    const { video, job } = prepared;
    if (prepared.created) {
      log.info(
        { jobId: job.id, job: job.status, ...(prepared.queued ? { video: 'queued' } : {}), deadlineAt: job.deadlineAt },
        'transcode job created',
      );
      this.deps.afterJobCreated?.(job);
    }
    if (prepared.claimed && slot !== null) return this.start(job, video, log, slot);
    slot?.release();
    if (prepared.waiting) return this.waiting(job, log, 'cap');
    if (job.status !== 'pending') {
      log.info({ jobId: job.id, status: job.status }, 'job already claimed; redelivered message acknowledged');
      return { result: 'already-claimed', jobId: job.id };
    }
    // Every slot was taken: the job waits pending (a replica with a free one may take it over meanwhile).
    return this.claimAndStart(job, video, log, { slot: await this.deps.slots.acquire(signal) });
  }

  /**
   * The consumer parked this message (handling it kept failing): the attempt ends `failed` with PROCESSING_FAILED,
   * video and job, unless it was superseded or has ended — the owner sees a failure rather than a video queued for
   * ever. A task already launched for it runs on; its report is ignored.
   */
  async failParked(message: VideoUploadedV1, log: Logger): Promise<void> {
    const error = processingFailed();
    const { videoFailed, jobFailed } = await failAttempt(this.deps.db, {
      videoId: message.videoId,
      attempt: message.attempt,
      error: { code: error.code, message: error.message },
    });
    log.warn(
      {
        videoId: message.videoId,
        attempt: message.attempt,
        code: error.code,
        ...(videoFailed ? { video: 'failed' } : {}),
        ...(jobFailed ? { job: 'failed' } : {}),
      },
      videoFailed
        ? 'video failed: its video.uploaded was parked'
        : 'video.uploaded parked; the attempt had already ended',
    );
  }

  /**
   * For each message, in one transaction: the videos locked (primary-key order, so batches of replicas cannot
   * deadlock; a replica handling the same message queues here), those still `uploaded` moved to queued (attempt 1;
   * a retry's video is already queued, completion moved it), the jobs created unless they exist, and — for
   * messages holding a launch slot — claimed for launch: created so, or by compare-and-set if one was left pending.
   */
  private async intakeBatch(items: { message: VideoUploadedV1; claim: boolean }[]): Promise<Intake[]> {
    const { db, videos, jobs, launcher } = this.deps;
    const cap = this.capOption();
    // Database work only, so a deadlock or lost connection can re-run it whole.
    return transaction(db, async (tx) => {
      // The capacity row before any video or job row: every claiming transaction locks in that order.
      let free =
        cap.maxInFlight !== undefined && items.some((i) => i.claim)
          ? freeLaunchSlots(cap.maxInFlight, await jobs.lockInFlight(tx))
          : Number.POSITIVE_INFINITY;
      const ids = items.map(({ message }) => message.videoId);
      const locked = new Map((await videos.lockMany(tx, ids)).map((v) => [v.id, v]));
      const judged = items.map(({ message, claim }) => {
        const video = locked.get(message.videoId) ?? null;
        return { message, claim, video, skip: skipReason(video, message.attempt) };
      });
      const work = judged.flatMap(({ video, skip, ...rest }) => {
        if (skip !== null || !video) return [];
        // A redelivery of a job that exists takes a grant it does not use: the cap is undershot, never overshot.
        const granted = rest.claim && free > 0;
        if (granted) free--;
        return [{ ...rest, video, claim: granted, overCap: rest.claim && !granted }];
      });
      const toQueue = work.filter((w) => w.video.status === 'uploaded').map((w) => w.video.id);
      await videos.transitionMany(toQueue, ['uploaded'], 'queued', {}, tx);
      const now = new Date();
      const made = await jobs.createManyIfAbsent(
        tx,
        work.map(({ message, claim, overCap, video }) => ({
          videoId: video.id,
          attempt: message.attempt,
          launcher: launcher.kind,
          deadlineAt: jobDeadline(now, video.durationSec, this.deps.deadline),
          ...(claim ? { launchToken: launchToken(video.id, message.attempt) } : {}),
          ...(overCap ? { launchAfter: now } : {}),
          ...(this.deps.taskSize ? { taskSize: this.deps.taskSize } : {}),
        })),
      );
      // Found pending: its dispatcher died (or is still waiting for a slot) before claiming it.
      const leftPending = work.flatMap(({ claim, video }, i) => {
        const job = made[i]?.job;
        return claim && job?.status === 'pending'
          ? [
              {
                jobId: job.id,
                launchToken: launchToken(video.id, job.attempt, job.capacityWaits),
                deadlineAt: jobDeadline(now, video.durationSec, this.deps.deadline),
              },
            ]
          : [];
      });
      const reclaimed = new Map((await jobs.claimManyForLaunch(leftPending, cap, tx)).map((job) => [job.id, job]));
      let w = 0;
      return judged.map(({ video, skip }): Intake => {
        if (skip !== null || video === null) return { kind: 'skip', reason: skip ?? 'missing' };
        // `made` follows `work`, which is `judged` without the skipped.
        const { claim, overCap } = work[w] as (typeof work)[number];
        const { job, created } = made[w++] as { job: TranscodeJob; created: boolean };
        const claimed = claim && (reclaimed.has(job.id) || (created && job.status === 'launching'));
        const queued = video.status === 'uploaded';
        const waiting = !claimed && job.status === 'pending' && (overCap || claim);
        return { kind: 'job', video, job: reclaimed.get(job.id) ?? job, created, queued, claimed, waiting };
      });
    });
  }

  /** launching → running and queued → processing; videos first, the order the intake locks them in. */
  private async startBatch(started: { job: TranscodeJob; taskId: string }[]): Promise<Started[]> {
    const { db, jobs, videos } = this.deps;
    const [processing, running] = await transaction(db, async (tx) => [
      await videos.markManyProcessing(
        started.map(({ job }) => ({ id: job.videoId, attempt: job.attempt })),
        tx,
      ),
      await jobs.markManyRunning(
        started.map(({ job, taskId }) => ({ jobId: job.id, taskId })),
        tx,
      ),
    ]);
    return started.map(({ job }) => ({ running: running.has(job.id), processing: processing.has(job.videoId) }));
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
      if (job.launchAfter === null)
        log.warn({ status: job.status, updatedAt: job.updatedAt }, 'recovering a job left behind by a dispatcher');
      const outcome = await this.claimAndStart(job, video, log, { slot, reclaimAfterSec: recoverAfterSec });
      if (outcome.result === 'launched') launched++;
      // The cap is reached or the platform is full: the jobs after this one would wait too.
      if (outcome.result === 'waiting') break;
    }
    return launched;
  }

  /** The claim options of the global cap: none when it is unlimited, so claims need not take turns. */
  private capOption(): { maxInFlight?: number } {
    const max = this.deps.maxRunningTasks;
    return Number.isFinite(max) ? { maxInFlight: max } : {};
  }

  private waiting(job: TranscodeJob, log: Logger, reason: 'cap' | 'capacity', launchAfter?: Date): DispatchOutcome {
    this.deps.metrics.launchWaits.inc({ reason });
    log.info(
      { jobId: job.id, job: 'pending', reason, ...(launchAfter ? { launchAfter } : {}) },
      reason === 'cap' ? 'job waits for a launch slot under the global cap' : 'no launch capacity; job waits',
    );
    return { result: 'waiting', jobId: job.id };
  }

  private async claimAndStart(
    job: TranscodeJob,
    video: Video,
    log: Logger,
    opts: { slot: Slot; reclaimAfterSec?: number },
  ): Promise<DispatchOutcome> {
    let claimed: TranscodeJob | null;
    const cap = this.capOption();
    try {
      claimed = await this.deps.jobs.claimForLaunch(job.id, launchToken(job.videoId, job.attempt, job.capacityWaits), {
        ...cap,
        ...(opts.reclaimAfterSec === undefined ? {} : { reclaimAfterSec: opts.reclaimAfterSec }),
        // Counted from the claim: a job that waited long for a slot must not be overdue the moment it starts.
        deadlineAt: jobDeadline(new Date(), video.durationSec, this.deps.deadline),
      });
    } catch (err) {
      opts.slot.release();
      throw err;
    }
    if (claimed === null) {
      opts.slot.release();
      // Still pending after a claim under the cap: no slot was free, and the job waits for the recovery pass.
      if (cap.maxInFlight !== undefined && (await this.deps.jobs.findById(job.id))?.status === 'pending')
        return this.waiting(job, log, 'cap');
      log.info({ jobId: job.id }, 'job claimed elsewhere; not launching');
      return { result: 'already-claimed', jobId: job.id };
    }
    log.info({ jobId: job.id, job: 'launching' }, 'job claimed for launch');
    return this.start(claimed, video, log, opts.slot);
  }

  /** Launches a claimed job; the slot is released when the task ends (or at once if it did not start). */
  private async start(job: TranscodeJob, video: Video, log: Logger, slot: Slot): Promise<DispatchOutcome> {
    const { launcher, metrics } = this.deps;
    let slotHandedOver = false;
    try {
      let task: Awaited<ReturnType<TaskLauncher['launch']>>;
      try {
        task = await launcher.launch({
          ...buildLaunchRequest(job, video, this.deps.processedBucket, this.deps.chunking),
          storageUntil: latestDeadline(new Date(), video.durationSec, this.deps.deadline),
        });
      } catch (err) {
        const verdict = judgeLaunchFailure(err, job.capacityWaits, new Date(), this.deps.capacityWait);
        if (verdict.kind === 'fail') return await this.recordLaunchFailure(job, verdict.error, log);
        if (await this.deps.jobs.deferLaunch(job.id, verdict.launchAfter))
          return this.waiting(job, log, 'capacity', verdict.launchAfter);
        // Its result arrived or the reaper took it meanwhile: nothing to wait for.
        return { result: 'already-claimed', jobId: job.id };
      }
      metrics.launches.inc({ launcher: launcher.kind });
      if (task.ended) {
        slotHandedOver = true;
        task.ended.finally(() => slot.release());
      }

      const { running, processing } = await this.starts.submit({ job, taskId: task.taskId });
      metrics.queuedSeconds.observe(Math.max(0, (Date.now() - job.createdAt.getTime()) / 1000));
      log.info(
        {
          jobId: job.id,
          taskId: task.taskId,
          launcher: launcher.kind,
          // False when the task's result already arrived (or the reaper got there): nothing more to record.
          ...(running ? { job: 'running' } : {}),
          ...(processing ? { video: 'processing' } : {}),
        },
        'task launched',
      );
      return { result: 'launched', jobId: job.id, taskId: task.taskId };
    } finally {
      if (!slotHandedOver) slot.release();
    }
  }

  /**
   * The job fails and a `video.transcode-failed` goes out through the outbox in the same transaction, so the
   * completion service decides retry-or-fail as for any other failure.
   */
  private async recordLaunchFailure(job: TranscodeJob, error: AppError, log: Logger): Promise<DispatchOutcome> {
    this.deps.metrics.launchFailures.inc({ launcher: this.deps.launcher.kind, code: error.code });
    const recorded = await transaction(this.deps.db, async (tx) => {
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
            jobToken: job.jobToken,
            code: error.code,
            message: error.message,
            retryable: error.retryable,
          },
        });
      }
      return finished;
    });
    log.warn(
      {
        err: error,
        jobId: job.id,
        code: error.code,
        retryable: error.retryable,
        ...(recorded ? { job: 'failed' } : {}),
      },
      'task launch failed',
    );
    return { result: 'launch-failed', jobId: job.id, code: error.code };
  }
}
