// No video stays processing forever: jobs past their deadline, and running jobs whose task stopped without a result,
// are declared lost and a retryable `video.transcode-failed` is written to the outbox in the same transaction, so the
// completion service decides retry-or-fail as for any other failure.
import {
  type Database,
  type JobRepository,
  type Kysely,
  type OutboxRepository,
  type PartOfJob,
  type PartRepository,
  type Transaction,
  type TranscodeJob,
  transaction,
} from '@reelforge/db';
import type { Logger } from 'pino';
import type { ChunkService } from './chunk.service.js';
import type { DispatcherMetrics } from './dispatcher.metrics.js';
import { type LostVerdict, type ReapGrace, reapVerdict } from './reap.verdict.js';
import type { RunningJobsQuery } from './running-jobs.query.js';
import type { TaskLauncher, TaskStatus } from './task.launcher.js';

export interface ReaperDeps {
  db: Kysely<Database>;
  jobs: JobRepository;
  outbox: OutboxRepository;
  running: RunningJobsQuery;
  launcher: TaskLauncher;
  metrics: DispatcherMetrics;
  logger: Logger;
  /** After a task stopped, how long its result may still be on its way before the job counts as lost. */
  grace: ReapGrace;
  batchSize: number;
  /** The parts of chunked jobs: a lost one is launched again alone (or fails its attempt at its limit). */
  parts: PartRepository;
  chunks: ChunkService;
}

export interface ReapedJob {
  jobId: string;
  videoId: string;
  attempt: number;
  code: 'TASK_LOST' | 'TRANSCODE_TIMEOUT';
  message: string;
}

export class ReaperService {
  constructor(private readonly deps: ReaperDeps) {}

  async reapOnce(now = new Date()): Promise<ReapedJob[]> {
    const reaped = [...(await this.reapOverdue(now)), ...(await this.reapStopped(now)), ...(await this.reapParts(now))];
    for (const r of reaped) this.deps.metrics.reaped.inc({ reason: r.code });
    return reaped;
  }

  /**
   * Parts of chunked jobs past their deadline or whose task stopped without a report. No lock is held while judging:
   * what a lost part becomes is applied by compare-and-set on its part-attempt, so replicas racing apply it once.
   */
  private async reapParts(now: Date): Promise<ReapedJob[]> {
    const { parts, launcher, batchSize, logger } = this.deps;
    const reaped: ReapedJob[] = [];
    const judge = async (page: PartOfJob[], onlyStopped: boolean) => {
      // The first aux part runs on the planning task, whose id may have reached only the job row.
      const mine = page
        .filter((p) => p.launcher === launcher.kind)
        .map((p) => (p.taskId === null && p.kind === 'aux' && p.partAttempt === 1 ? { ...p, taskId: p.jobTaskId } : p));
      const statuses = await this.describe(mine);
      for (const part of mine) {
        const status = part.taskId ? (statuses.get(part.taskId) ?? null) : null;
        if (onlyStopped && status?.state !== 'stopped') continue;
        const verdict = reapVerdict(part, status, now, this.deps.grace);
        if (verdict.action === 'keep') continue;
        if (verdict.stopTask && part.taskId) {
          await launcher.stop(part.taskId, verdict.message).catch((err: unknown) => {
            logger.warn({ err, partId: part.id, taskId: part.taskId }, 'could not stop the overdue part task');
          });
        }
        const log = logger.child({ videoId: part.videoId, attempt: part.attempt, partId: part.id });
        if (await this.deps.chunks.partLost(part, verdict, log)) {
          reaped.push({
            jobId: part.jobId,
            videoId: part.videoId,
            attempt: part.attempt,
            code: verdict.code,
            message: verdict.message,
          });
        }
      }
    };
    await judge(await parts.findInFlight({ overdueAt: now, limit: batchSize }), false);
    let after: string | undefined;
    for (;;) {
      const page = await parts.findInFlight({ limit: batchSize, ...(after ? { afterId: after } : {}) });
      if (page.length === 0) break;
      await judge(page, true);
      if (page.length < batchSize) break;
      after = page.at(-1)?.id;
    }
    return reaped;
  }

  /** Past the deadline: locked SKIP LOCKED until the verdicts are written, so each is judged by one replica. */
  private async reapOverdue(now: Date): Promise<ReapedJob[]> {
    const { db, jobs, launcher, logger } = this.deps;
    // Re-run whole on a deadlock: describing tasks again is a read.
    return transaction(db, async (tx) => {
      const overdue = (await jobs.findOverdue(tx, now, this.deps.batchSize)).filter(
        (j) => j.launcher === launcher.kind,
      );
      if (overdue.length === 0) return [];
      const statuses = await this.describe(overdue);
      const reaped: ReapedJob[] = [];
      for (const job of overdue) {
        const verdict = reapVerdict(job, job.taskId ? (statuses.get(job.taskId) ?? null) : null, now, this.deps.grace);
        if (verdict.action === 'keep') continue;
        if (verdict.stopTask && job.taskId) {
          await launcher.stop(job.taskId, verdict.message).catch((err: unknown) => {
            // Declared lost all the same: a result it might still send is for a stale attempt by then.
            logger.warn({ err, jobId: job.id, taskId: job.taskId }, 'could not stop the overdue task');
          });
        }
        const r = await this.markLost(tx, job, verdict);
        if (r) reaped.push(r);
      }
      return reaped;
    });
  }

  /** Before the deadline: a task that stopped a grace period ago and whose job is still running left no result. */
  private async reapStopped(now: Date): Promise<ReapedJob[]> {
    const { db, running, launcher, batchSize } = this.deps;
    const reaped: ReapedJob[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await running.page(launcher.kind, batchSize, after);
      if (page.length === 0) break;
      const statuses = await this.describe(page);
      for (const job of page) {
        const status = job.taskId ? statuses.get(job.taskId) : undefined;
        // Only stopped tasks: whatever is overdue belongs to the locked pass above (maybe on another replica).
        if (status?.state !== 'stopped') continue;
        const verdict = reapVerdict(job, status, now, this.deps.grace);
        if (verdict.action === 'keep') continue;
        // markFinished is a compare-and-set: of replicas racing here, one writes the failure.
        const r = await transaction(db, (tx) => this.markLost(tx, job, verdict));
        if (r) reaped.push(r);
      }
      if (page.length < batchSize) break;
      after = page.at(-1)?.id;
    }
    return reaped;
  }

  private async describe(jobs: readonly { taskId: string | null }[]): Promise<Map<string, TaskStatus>> {
    const ids = jobs.flatMap((j) => (j.taskId ? [j.taskId] : []));
    return ids.length === 0 ? new Map() : this.deps.launcher.describe(ids);
  }

  private async markLost(
    tx: Transaction<Database>,
    job: TranscodeJob,
    verdict: LostVerdict,
  ): Promise<ReapedJob | null> {
    const marked = await this.deps.jobs.markFinished(
      job.id,
      'lost',
      { exitCode: verdict.exitCode, errorCode: verdict.code, errorMessage: verdict.message },
      tx,
    );
    if (!marked) return null;
    await this.deps.outbox.add(tx, {
      topic: 'video.transcode-failed',
      payload: {
        version: 1,
        videoId: job.videoId,
        attempt: job.attempt,
        // The reaper speaks for the job, so its report carries the job's token like the task's would.
        jobToken: job.jobToken,
        code: verdict.code,
        message: verdict.message,
        retryable: true,
      },
    });
    this.deps.logger.warn(
      {
        videoId: job.videoId,
        attempt: job.attempt,
        jobId: job.id,
        job: 'lost',
        code: verdict.code,
        exitCode: verdict.exitCode,
        taskId: job.taskId,
      },
      `job reaped: ${verdict.message}`,
    );
    return { jobId: job.id, videoId: job.videoId, attempt: job.attempt, code: verdict.code, message: verdict.message };
  }
}
