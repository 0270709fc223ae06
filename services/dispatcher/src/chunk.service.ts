// The parts of chunked jobs (issue #20): the plan a first task reports becomes chunk rows and launches; each part's
// report (or its lost task, from the reaper) is decided by part-report.policy.ts and applied in one transaction —
// video, job, then part locked, the order the intake locks in — and the transition that records the last part done
// creates the stitch, so exactly one consumer launches it however often reports are redelivered or replicas race.
import type {
  AppError,
  TaskPartV1,
  VideoChunkFailedV1,
  VideoChunkTranscodedV1,
  VideoTranscodeStartedV1,
} from '@reelforge/contracts';
import {
  type Database,
  type JobRepository,
  type Kysely,
  type OutboxRepository,
  type PartOfJob,
  type PartRef,
  type PartRepository,
  type Transaction,
  type TranscodeJob,
  type TranscodePart,
  transaction,
  type VideoRepository,
} from '@reelforge/db';
import type { Logger } from 'pino';
import type { DispatcherMetrics } from './dispatcher.metrics.js';
import { type DeadlinePolicy, jobDeadline } from './job.deadline.js';
import { type CapacityWaitPolicy, judgeLaunchFailure } from './launch.capacity.policy.js';
import { buildJobSpec, partLaunchToken } from './launch.request.js';
import type { LaunchSlots } from './launch.slots.js';
import { chunkProgress, decidePartReport, type PartDecision, type PartOutcome } from './part-report.policy.js';
import type { LostVerdict } from './reap.verdict.js';
import type { TaskLauncher } from './task.launcher.js';

export interface ChunkDeps {
  db: Kysely<Database>;
  videos: VideoRepository;
  jobs: JobRepository;
  parts: PartRepository;
  outbox: OutboxRepository;
  launcher: TaskLauncher;
  slots: LaunchSlots;
  metrics: DispatcherMetrics;
  logger: Logger;
  processedBucket: string;
  deadline: DeadlinePolicy;
  recoverAfterSec: number;
  maxRunningTasks: number;
  capacityWait: CapacityWaitPolicy;
  /** Launches of one part before a retryable failure fails the attempt. */
  maxPartAttempts: number;
}

export type PartLaunchOutcome = 'launched' | 'not-claimed' | 'waiting' | 'failed';

export interface PartApplied {
  decision: PartDecision;
  /** Set when this call created the stitch part (and so launches it). */
  stitch: TranscodePart | null;
}

export class ChunkService {
  constructor(private readonly deps: ChunkDeps) {}

  /**
   * Inside the transcode-started transaction (video locked): the plan of a launching or running job becomes its
   * parts. False when the job already has one (a redelivery) or has ended.
   */
  async recordPlan(
    tx: Transaction<Database>,
    job: TranscodeJob,
    msg: Pick<VideoTranscodeStartedV1, 'durationSec' | 'chunks'>,
  ): Promise<boolean> {
    if (!msg.chunks) return false;
    const now = new Date();
    const { deadline } = this.deps;
    return this.deps.parts.createPlan(tx, job, {
      // The aux part runs on the planning task, started already; the light pass reads the whole source once.
      auxDeadlineAt: jobDeadline(job.startedAt ?? now, msg.durationSec, deadline),
      chunks: msg.chunks.map((c) => ({ ...c, deadlineAt: jobDeadline(now, c.endSec - c.startSec, deadline) })),
    });
  }

  /** Launches the job's parts waiting to be (each claimed by compare-and-set: a second caller launches nothing). */
  async launchPending(jobId: string, log: Logger): Promise<number> {
    const job = await this.deps.jobs.findById(jobId);
    if (job === null) return 0;
    let launched = 0;
    for (const part of await this.deps.parts.findByJob(jobId)) {
      if (part.status !== 'pending') continue;
      if ((await this.launchPart(part, job, log)) === 'launched') launched++;
    }
    return launched;
  }

  async onPartTranscoded(msg: VideoChunkTranscodedV1, log: Logger): Promise<PartApplied | null> {
    if (!(await this.genuine(msg, 'video.chunk-transcoded', log))) return null;
    return this.apply(
      msg,
      refOf(msg.part),
      { kind: 'done' },
      { taskSeconds: msg.taskSeconds, ...(msg.partAttempt ? { partAttempt: msg.partAttempt } : {}) },
      log,
    );
  }

  async onPartFailed(msg: VideoChunkFailedV1, log: Logger): Promise<PartApplied | null> {
    if (!(await this.genuine(msg, 'video.chunk-failed', log))) return null;
    const outcome: PartOutcome = { kind: 'failed', code: msg.code, message: msg.message, retryable: msg.retryable };
    return this.apply(
      msg,
      refOf(msg.part),
      outcome,
      { taskSeconds: msg.taskSeconds, ...(msg.partAttempt ? { partAttempt: msg.partAttempt } : {}) },
      log,
    );
  }

  /**
   * The reaper found the part's task gone (or overdue): an aux or chunk part is launched again, or its attempt
   * failed at the limit; a lost stitch is a retryable `video.transcode-failed` for the attempt, through the outbox,
   * so completion retries or fails the video as for a lost single task.
   */
  async partLost(part: PartOfJob, verdict: LostVerdict, log: Logger): Promise<boolean> {
    const result = { exitCode: verdict.exitCode, errorCode: verdict.code, errorMessage: verdict.message };
    if (part.kind === 'stitch') {
      return transaction(this.deps.db, async (tx) => {
        if (!(await this.deps.parts.finish(tx, part.id, part.partAttempt, 'failed', result))) return false;
        await this.attemptFailed(tx, part, { code: verdict.code, message: verdict.message, retryable: true });
        log.warn({ partId: part.id, part: 'stitch', code: verdict.code }, `stitch reaped: ${verdict.message}`);
        return true;
      });
    }
    const outcome: PartOutcome = { kind: 'failed', code: verdict.code, message: verdict.message, retryable: true };
    const applied = await this.apply(
      part,
      { kind: part.kind, index: part.chunkIndex },
      outcome,
      { exitCode: verdict.exitCode, partAttempt: part.partAttempt, fromReaper: true },
      log,
    );
    return applied.decision.kind !== 'ignore';
  }

  /**
   * One pass over parts left pending or launching too long (a dispatcher died) or waiting for capacity whose time
   * has come. Returns how many launched.
   */
  async recoverOnce(limit = 100): Promise<number> {
    const { parts, jobs, launcher, logger, recoverAfterSec } = this.deps;
    let launched = 0;
    for (const part of await parts.findPendingLaunches(recoverAfterSec, limit)) {
      if (part.launcher !== launcher.kind) continue;
      const log = logger.child({ videoId: part.videoId, attempt: part.attempt, partId: part.id });
      if (part.jobStatus !== 'launching' && part.jobStatus !== 'running') {
        await transaction(this.deps.db, (tx) => parts.cancelJob(tx, part.jobId, `attempt ended (${part.jobStatus})`));
        continue;
      }
      const job = await jobs.findById(part.jobId);
      if (job === null) continue;
      const outcome = await this.launchPart(part, job, log, recoverAfterSec);
      if (outcome === 'launched') launched++;
      if (outcome === 'waiting') break;
    }
    return launched;
  }

  /** Claims the part under the global cap and a local slot, launches its task and records it running. */
  async launchPart(
    part: TranscodePart,
    job: TranscodeJob,
    log: Logger,
    reclaimAfterSec?: number,
  ): Promise<PartLaunchOutcome> {
    const { parts, launcher, metrics } = this.deps;
    const plog = log.child({ partId: part.id, part: partName(part), partAttempt: part.partAttempt });
    const slot = this.deps.slots.tryAcquire();
    if (slot === null) {
      await parts.markClaimable(part.id);
      metrics.launchWaits.inc({ reason: 'cap' });
      return 'waiting';
    }
    let slotHandedOver = false;
    try {
      const video = await this.deps.videos.findById(job.videoId);
      if (video === null) return 'not-claimed';
      const durationSec =
        part.kind === 'chunk' && part.endSec !== null && part.startSec !== null
          ? part.endSec - part.startSec
          : video.durationSec;
      const max = this.deps.maxRunningTasks;
      // A part's length is known (unlike a whole job's before its probe), so its deadline is final: what its task
      // is handed for storage need not outlast it.
      const deadlineAt = jobDeadline(new Date(), durationSec, this.deps.deadline);
      const claimed = await parts.claimForLaunch(
        part.id,
        partLaunchToken(job.videoId, job.attempt, part, part.capacityWaits),
        {
          ...(Number.isFinite(max) ? { maxInFlight: max } : {}),
          ...(reclaimAfterSec === undefined ? {} : { reclaimAfterSec }),
          deadlineAt,
        },
      );
      if (claimed === null) {
        if ((await parts.findById(part.id))?.status === 'pending') {
          metrics.launchWaits.inc({ reason: 'cap' });
          plog.info('part waits for a launch slot under the global cap');
          return 'waiting';
        }
        return 'not-claimed';
      }
      const token = claimed.launchToken ?? partLaunchToken(job.videoId, job.attempt, claimed, claimed.capacityWaits);
      let task: Awaited<ReturnType<TaskLauncher['launch']>>;
      try {
        task = await launcher.launch({
          jobId: job.id,
          token,
          spec: buildJobSpec(video, job, this.deps.processedBucket, { part: taskPart(claimed, job.chunkCount) }),
          storageUntil: deadlineAt,
        });
      } catch (err) {
        const verdict = judgeLaunchFailure(err, claimed.capacityWaits, new Date(), this.deps.capacityWait);
        if (verdict.kind === 'wait') {
          await parts.deferLaunch(claimed.id, verdict.launchAfter);
          metrics.launchWaits.inc({ reason: 'capacity' });
          return 'waiting';
        }
        await this.launchFailed(job, claimed, verdict.error, plog);
        return 'failed';
      }
      metrics.launches.inc({ launcher: launcher.kind });
      if (task.ended) {
        slotHandedOver = true;
        task.ended.finally(() => slot.release());
      }
      const running = await parts.markRunning(claimed.id, task.taskId);
      plog.info({ taskId: task.taskId, ...(running ? { status: 'running' } : {}) }, 'part task launched');
      return 'launched';
    } finally {
      if (!slotHandedOver) slot.release();
    }
  }

  private async launchFailed(job: TranscodeJob, part: TranscodePart, error: AppError, log: Logger): Promise<void> {
    this.deps.metrics.launchFailures.inc({ launcher: this.deps.launcher.kind, code: error.code });
    log.warn({ err: error, code: error.code, retryable: error.retryable }, 'part launch failed');
    const outcome: PartOutcome = {
      kind: 'failed',
      code: error.code,
      message: error.message,
      retryable: error.retryable,
    };
    if (part.kind === 'stitch') {
      // As for a single task's launch failure: completion decides retry-or-fail for the attempt.
      const failed = await transaction(this.deps.db, async (tx) => {
        if (!(await this.deps.parts.finish(tx, part.id, part.partAttempt, 'failed', { errorCode: error.code })))
          return false;
        await this.attemptFailed(tx, job, error);
        return true;
      });
      if (failed) log.warn({ code: error.code }, 'stitch launch failed; reported for the attempt');
      return;
    }
    await this.apply(job, { kind: part.kind, index: part.chunkIndex }, outcome, { partAttempt: part.partAttempt }, log);
  }

  private async genuine(
    msg: { videoId: string; attempt: number; jobToken?: string | undefined },
    topic: 'video.chunk-transcoded' | 'video.chunk-failed',
    log: Logger,
  ): Promise<boolean> {
    // Checked before anything is locked: a forged report costs one read and changes nothing.
    if ((await this.deps.jobs.verifyReport(msg)) !== 'forged') return true;
    this.deps.metrics.forgedReports.inc({ topic });
    log.warn(
      { videoId: msg.videoId, attempt: msg.attempt, jobToken: msg.jobToken ? 'wrong' : 'missing' },
      'forged part report dropped',
    );
    return false;
  }

  /**
   * Decides and applies one part's outcome; then, outside the transaction, launches what it made launchable (the
   * part again, or the stitch) or stops the tasks of an attempt it failed.
   */
  private async apply(
    ids: { videoId: string; attempt: number },
    ref: PartRef,
    outcome: PartOutcome,
    opts: { taskSeconds?: number | undefined; exitCode?: number | null; partAttempt?: number; fromReaper?: boolean },
    log: Logger,
  ): Promise<PartApplied> {
    const { db, videos, jobs, parts, outbox } = this.deps;
    const plog = log.child({
      videoId: ids.videoId,
      attempt: ids.attempt,
      part: ref.kind === 'chunk' ? `chunk ${ref.index}` : ref.kind,
    });
    const applied = await transaction(db, async (tx) => {
      await videos.lockMany(tx, [ids.videoId]);
      const job = await jobs.lockByVideoAttempt(tx, ids.videoId, ids.attempt);
      const part = job ? await parts.lockPart(tx, job.id, ref) : null;
      // A report (or the reaper's verdict) of one part-attempt; the part may have moved on to the next meanwhile.
      const moved = opts.partAttempt !== undefined && part !== null && part.partAttempt !== opts.partAttempt;
      const decision: PartDecision = moved
        ? { kind: 'ignore', reason: 'part-not-running' }
        : decidePartReport(job, part, outcome, this.deps.maxPartAttempts);
      const result = {
        taskSeconds: opts.taskSeconds,
        exitCode: opts.exitCode ?? null,
        ...(outcome.kind === 'failed' ? { errorCode: outcome.code, errorMessage: outcome.message } : {}),
      };
      let stitch: TranscodePart | null = null;
      let toStop: string[] = [];
      if (job === null || part === null) return { decision, job, part, stitch, toStop };
      switch (decision.kind) {
        case 'ignore':
          // A part of an ended attempt whose task is gone: nothing will ever report for it.
          if (opts.fromReaper && decision.reason === 'job-ended')
            await parts.finish(tx, part.id, part.partAttempt, 'failed', result);
          break;
        case 'done': {
          await parts.finish(tx, part.id, part.partAttempt, 'succeeded', result);
          const created = await parts.createStitchIfReady(
            tx,
            job,
            jobDeadline(new Date(), await this.durationOf(tx, ids.videoId), this.deps.deadline),
          );
          if (created?.created) stitch = created.stitch;
          if (job.chunkCount !== null) {
            await outbox.add(tx, {
              topic: 'video.transcode-progress',
              payload: {
                version: 1,
                videoId: ids.videoId,
                attempt: ids.attempt,
                jobToken: job.jobToken,
                percent: chunkProgress(await parts.countDone(tx, job.id), job.chunkCount),
              },
            });
          }
          break;
        }
        case 'retry':
          await parts.retry(tx, part.id, part.partAttempt, result);
          break;
        case 'fail-attempt':
          // The job ends here, so no other part is launched for it; the video's end is completion's, as for a
          // whole task's failure: it marks the video failed with this code and deletes what the attempt wrote.
          // Not retryable: a part already had its own attempts, or its failure was permanent.
          await parts.finish(tx, part.id, part.partAttempt, 'failed', result);
          await jobs.markFinished(
            job.id,
            'failed',
            { errorCode: decision.error.code, errorMessage: decision.error.message },
            tx,
          );
          await this.attemptFailed(tx, job, { ...decision.error, retryable: false });
          toStop = await parts.cancelJob(tx, job.id, `the attempt failed: ${decision.error.code}`);
          break;
      }
      return { decision, job, part, stitch, toStop };
    });
    const { decision, job, part, stitch, toStop } = applied;
    if (decision.kind !== 'ignore' && opts.taskSeconds)
      this.deps.metrics.taskSeconds.inc({ part: ref.kind }, opts.taskSeconds);
    if (decision.kind === 'ignore') {
      plog.info({ reason: decision.reason }, 'part report ignored');
      return { decision, stitch: null };
    }
    if (job === null || part === null) return { decision, stitch: null };
    if (decision.kind === 'done') {
      plog.info({ taskSeconds: opts.taskSeconds, ...(stitch ? { stitch: 'pending' } : {}) }, 'part done');
      if (stitch) await this.launchPart(stitch, job, plog);
    } else if (decision.kind === 'retry') {
      this.deps.metrics.partRetries.inc({ kind: ref.kind, code: outcome.kind === 'failed' ? outcome.code : 'unknown' });
      plog.warn(
        { nextPartAttempt: decision.nextPartAttempt, ...(outcome.kind === 'failed' ? { code: outcome.code } : {}) },
        'part failed; launching it again',
      );
      const again = await parts.findById(part.id);
      if (again) await this.launchPart(again, job, plog);
    } else {
      plog.warn({ code: decision.error.code, cause: decision.cause, video: 'failed' }, 'part failed; attempt failed');
      for (const taskId of toStop) {
        await this.deps.launcher.stop(taskId, 'its attempt failed').catch((err: unknown) => {
          plog.warn({ err, taskId }, 'could not stop a part task of a failed attempt');
        });
      }
    }
    return { decision, stitch };
  }

  /**
   * The attempt's failure, for completion to apply through the outbox as for a whole task's: retry or fail the video,
   * and delete what the attempt wrote.
   */
  private async attemptFailed(
    tx: Transaction<Database>,
    job: Pick<TranscodeJob, 'videoId' | 'attempt' | 'jobToken'>,
    error: { code: string; message: string; retryable: boolean },
  ): Promise<void> {
    const { videoId, attempt, jobToken } = job;
    const { code, message, retryable } = error;
    await this.deps.outbox.add(tx, {
      topic: 'video.transcode-failed',
      payload: { version: 1, videoId, attempt, jobToken, code, message, retryable },
    });
  }

  private async durationOf(tx: Transaction<Database>, videoId: string): Promise<number | null> {
    return (await this.deps.videos.findById(videoId, tx))?.durationSec ?? null;
  }
}

const refOf = (part: VideoChunkTranscodedV1['part']): PartRef =>
  part.kind === 'aux' ? { kind: 'aux', index: 0 } : { kind: 'chunk', index: part.index };

const partName = (part: Pick<TranscodePart, 'kind' | 'chunkIndex'>): string =>
  part.kind === 'chunk' ? `chunk ${part.chunkIndex}` : part.kind;

/** What a part's task is told to do. */
export function taskPart(
  part: Pick<TranscodePart, 'kind' | 'chunkIndex' | 'startSec' | 'endSec' | 'partAttempt'>,
  chunkCount: number | null,
): TaskPartV1 {
  const count = chunkCount ?? 0;
  switch (part.kind) {
    case 'aux':
      return { kind: 'aux', partAttempt: part.partAttempt };
    case 'stitch':
      return { kind: 'stitch', count };
    case 'chunk':
      return {
        kind: 'chunk',
        partAttempt: part.partAttempt,
        index: part.chunkIndex,
        count,
        startSec: part.startSec ?? 0,
        endSec: part.endSec ?? 0,
      };
  }
}
