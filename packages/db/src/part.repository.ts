// The parts of chunked jobs: created from a job's plan, claimed for launch by compare-and-set under the same global
// cap as jobs, ended or sent back to pending by compare-and-set on (status, part-attempt), so redeliveries, the
// reaper and several dispatcher replicas agree on one outcome.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, TranscodeJob, TranscodePart } from './database.js';
import { assertLaunchToken, type ClaimOptions, claimable, lockInFlight } from './job.repository.js';
import { freeLaunchSlots } from './job.state.js';
import { type PartKind, partInFlight, partsBeforeStitch } from './part.state.js';
import { clipText } from './text.limits.js';

export interface PlannedChunk {
  index: number;
  startSec: number;
  endSec: number;
  deadlineAt: Date;
}

export interface PartRef {
  kind: PartKind;
  /** 0 for aux and stitch. */
  index: number;
}

export interface PartResult {
  /** Added to the part's total (every part-attempt's task counts). */
  taskSeconds?: number | undefined;
  exitCode?: number | null;
  errorCode?: string | null;
  errorMessage?: string | null;
}

/** A part with what its job says about it: where it runs, its token, whether the job is still under way. */
export type PartOfJob = TranscodePart &
  Pick<TranscodeJob, 'launcher' | 'jobToken' | 'chunkCount'> & {
    jobStatus: TranscodeJob['status'];
    /** The planning task's: the first aux part runs on it, recorded there if the plan came before its launch was. */
    jobTaskId: string | null;
  };

export class PartRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Records the plan of a launching or running job that has none yet: its chunk count, the aux part as running on
   * the planning task (which goes on to do it), and one pending row per chunk. False, and nothing written, when the
   * job already has a plan (a redelivery) or has ended.
   */
  async createPlan(
    tx: Transaction<Database>,
    job: Pick<TranscodeJob, 'id' | 'videoId' | 'attempt' | 'taskId' | 'startedAt'>,
    plan: { chunks: readonly PlannedChunk[]; auxDeadlineAt: Date },
  ): Promise<boolean> {
    const now = new Date();
    const planned = await tx
      .updateTable('transcodeJobs')
      .set({ chunkCount: plan.chunks.length, updatedAt: now })
      .where('id', '=', job.id)
      .where('chunkCount', 'is', null)
      .where('status', 'in', ['launching', 'running'])
      .executeTakeFirst();
    if (planned.numUpdatedRows === 0n) return false;
    const base = { jobId: job.id, videoId: job.videoId, attempt: job.attempt, partAttempt: 1, capacityWaits: 0 };
    const blank = {
      launchToken: null,
      launchAfter: null,
      taskSeconds: 0,
      finishedAt: null,
      exitCode: null,
      errorCode: null,
      errorMessage: null,
      createdAt: now,
      updatedAt: now,
    };
    await tx
      .insertInto('transcodeParts')
      .values([
        {
          ...base,
          ...blank,
          id: randomUUID(),
          kind: 'aux',
          chunkIndex: 0,
          startSec: null,
          endSec: null,
          status: 'running',
          taskId: job.taskId,
          deadlineAt: plan.auxDeadlineAt,
          startedAt: job.startedAt ?? now,
        },
        ...plan.chunks.map((c) => ({
          ...base,
          ...blank,
          id: randomUUID(),
          kind: 'chunk' as const,
          chunkIndex: c.index,
          startSec: c.startSec,
          endSec: c.endSec,
          status: 'pending' as const,
          taskId: null,
          deadlineAt: c.deadlineAt,
          startedAt: null,
        })),
      ])
      .execute();
    return true;
  }

  async findById(id: string, tx?: Transaction<Database>): Promise<TranscodePart | null> {
    return (
      (await (tx ?? this.db).selectFrom('transcodeParts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null
    );
  }

  async findByJob(jobId: string, tx?: Transaction<Database>): Promise<TranscodePart[]> {
    return (tx ?? this.db)
      .selectFrom('transcodeParts')
      .selectAll()
      .where('jobId', '=', jobId)
      .orderBy('kind')
      .orderBy('chunkIndex')
      .execute();
  }

  /** The part, locked until `tx` ends. */
  async lockPart(tx: Transaction<Database>, jobId: string, part: PartRef): Promise<TranscodePart | null> {
    const row = await tx
      .selectFrom('transcodeParts')
      .selectAll()
      .where('jobId', '=', jobId)
      .where('kind', '=', part.kind)
      .where('chunkIndex', '=', part.index)
      .forUpdate()
      .executeTakeFirst();
    return row ?? null;
  }

  /**
   * launching/running → succeeded or failed for the part-attempt `partAttempt`, adding its task seconds. False when
   * it had ended or moved on to another part-attempt (a redelivery, the reaper, another replica).
   */
  async finish(
    tx: Transaction<Database>,
    partId: string,
    partAttempt: number,
    outcome: 'succeeded' | 'failed',
    result: PartResult = {},
  ): Promise<boolean> {
    const now = new Date();
    const updated = await tx
      .updateTable('transcodeParts')
      .set((eb) => ({
        status: outcome,
        taskSeconds: eb('taskSeconds', '+', result.taskSeconds ?? 0),
        exitCode: result.exitCode ?? null,
        errorCode: result.errorCode ?? null,
        errorMessage: result.errorMessage == null ? null : clipText(result.errorMessage),
        finishedAt: now,
        updatedAt: now,
      }))
      .where('id', '=', partId)
      .where('partAttempt', '=', partAttempt)
      .where('status', 'in', partInFlight)
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  /**
   * launching/running → pending as part-attempt + 1, adding the failed try's task seconds and keeping its error: the
   * caller launches it again. False when it had ended or moved on already.
   */
  async retry(tx: Transaction<Database>, partId: string, partAttempt: number, result: PartResult): Promise<boolean> {
    const now = new Date();
    const updated = await tx
      .updateTable('transcodeParts')
      .set((eb) => ({
        status: 'pending' as const,
        partAttempt: partAttempt + 1,
        taskId: null,
        launchToken: null,
        launchAfter: null,
        capacityWaits: 0,
        taskSeconds: eb('taskSeconds', '+', result.taskSeconds ?? 0),
        exitCode: result.exitCode ?? null,
        errorCode: result.errorCode ?? null,
        errorMessage: result.errorMessage == null ? null : clipText(result.errorMessage),
        startedAt: null,
        updatedAt: now,
      }))
      .where('id', '=', partId)
      .where('partAttempt', '=', partAttempt)
      .where('status', 'in', partInFlight)
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  /** The stitch of a chunked job ended with its `video.transcoded`/`-failed` (which completion applies). */
  async finishStitch(tx: Transaction<Database>, jobId: string, outcome: 'succeeded' | 'failed'): Promise<boolean> {
    const now = new Date();
    const updated = await tx
      .updateTable('transcodeParts')
      .set({ status: outcome, finishedAt: now, updatedAt: now })
      .where('jobId', '=', jobId)
      .where('kind', '=', 'stitch')
      .where('status', 'in', partInFlight)
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  /**
   * With the job row locked by the caller: when every chunk and the aux part have succeeded, the stitch part is
   * created pending. `created` is true for exactly one caller however many see the last part done.
   */
  async createStitchIfReady(
    tx: Transaction<Database>,
    job: Pick<TranscodeJob, 'id' | 'videoId' | 'attempt' | 'chunkCount'>,
    deadlineAt: Date,
  ): Promise<{ stitch: TranscodePart; created: boolean } | null> {
    if (job.chunkCount === null) return null;
    const done = await tx
      .selectFrom('transcodeParts')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('jobId', '=', job.id)
      .where('kind', 'in', ['aux', 'chunk'])
      .where('status', '=', 'succeeded')
      .executeTakeFirstOrThrow();
    if (Number(done.count) < partsBeforeStitch(job.chunkCount)) return null;
    const now = new Date();
    const id = randomUUID();
    await tx
      .insertInto('transcodeParts')
      .values({
        id,
        jobId: job.id,
        videoId: job.videoId,
        attempt: job.attempt,
        kind: 'stitch',
        chunkIndex: 0,
        startSec: null,
        endSec: null,
        status: 'pending',
        partAttempt: 1,
        taskId: null,
        launchToken: null,
        launchAfter: null,
        capacityWaits: 0,
        deadlineAt,
        taskSeconds: 0,
        startedAt: null,
        finishedAt: null,
        exitCode: null,
        errorCode: null,
        errorMessage: null,
        createdAt: now,
        updatedAt: now,
      })
      .onDuplicateKeyUpdate((eb) => ({ id: eb.ref('transcodeParts.id') }))
      .execute();
    const stitch = await this.lockPart(tx, job.id, { kind: 'stitch', index: 0 });
    if (stitch === null) throw new Error(`stitch part of job ${job.id} vanished`);
    return { stitch, created: stitch.id === id };
  }

  /**
   * The attempt has ended: its parts still waiting to launch never will (failed with `reason`). Returns the task ids
   * of those still launching or running, for the caller to stop.
   */
  async cancelJob(tx: Transaction<Database>, jobId: string, reason: string): Promise<string[]> {
    const now = new Date();
    await tx
      .updateTable('transcodeParts')
      .set({
        status: 'failed',
        errorCode: 'CANCELLED',
        errorMessage: clipText(reason),
        finishedAt: now,
        updatedAt: now,
      })
      .where('jobId', '=', jobId)
      .where('status', '=', 'pending')
      .execute();
    const running = await tx
      .selectFrom('transcodeParts')
      .select('taskId')
      .where('jobId', '=', jobId)
      .where('status', 'in', partInFlight)
      .where('taskId', 'is not', null)
      .execute();
    return running.flatMap((r) => (r.taskId ? [r.taskId] : []));
  }

  /** A pending part no slot was free for: claimable by the next recovery pass (a later backoff is kept). */
  async markClaimable(partId: string): Promise<void> {
    await this.db
      .updateTable('transcodeParts')
      .set((eb) => ({ launchAfter: eb.fn.coalesce('launchAfter', sql<Date>`${new Date()}`) }))
      .where('id', '=', partId)
      .where('status', '=', 'pending')
      .execute();
  }

  /** Parts done (aux and chunks succeeded) out of those before the stitch: the job's progress. */
  async countDone(tx: Transaction<Database>, jobId: string): Promise<number> {
    const row = await tx
      .selectFrom('transcodeParts')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('jobId', '=', jobId)
      .where('kind', 'in', ['aux', 'chunk'])
      .where('status', '=', 'succeeded')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /**
   * pending (or launching for `reclaimAfterSec`: its dispatcher died mid-launch) → launching, under the global cap
   * shared with jobs. Null when another replica claimed it, or no slot was free (then it waits, claimable from now).
   */
  async claimForLaunch(
    partId: string,
    launchToken: string,
    opts: ClaimOptions & { deadlineAt?: Date } = {},
  ): Promise<TranscodePart | null> {
    assertLaunchToken(launchToken);
    const { reclaimAfterSec, maxInFlight, deadlineAt } = opts;
    return this.db.transaction().execute(async (tx) => {
      const free =
        maxInFlight === undefined ? Number.POSITIVE_INFINITY : freeLaunchSlots(maxInFlight, await lockInFlight(tx));
      const now = new Date();
      const row = await tx
        .selectFrom('transcodeParts')
        .select(['id', 'status'])
        .where('id', '=', partId)
        .where(claimable(now, reclaimAfterSec))
        .forUpdate()
        .executeTakeFirst();
      if (row === undefined) return null;
      if (row.status === 'pending' && free < 1) {
        await tx
          .updateTable('transcodeParts')
          .set((eb) => ({ launchAfter: eb.fn.coalesce('launchAfter', sql<Date>`${now}`) }))
          .where('id', '=', partId)
          .execute();
        return null;
      }
      await tx
        .updateTable('transcodeParts')
        .set((eb) => ({
          status: 'launching' as const,
          launchToken: eb.fn.coalesce('launchToken', sql<string>`${launchToken}`),
          launchAfter: null,
          ...(deadlineAt ? { deadlineAt: sql<Date>`GREATEST(deadline_at, ${deadlineAt})` } : {}),
          updatedAt: now,
        }))
        .where('id', '=', partId)
        .execute();
      return (await tx.selectFrom('transcodeParts').selectAll().where('id', '=', partId).executeTakeFirst()) ?? null;
    });
  }

  /** launching → pending after the platform had no capacity: no task started, no part-attempt spent. */
  async deferLaunch(partId: string, launchAfter: Date): Promise<boolean> {
    const updated = await this.db
      .updateTable('transcodeParts')
      .set((eb) => ({
        status: 'pending' as const,
        launchToken: null,
        launchAfter,
        capacityWaits: eb('capacityWaits', '+', 1),
        updatedAt: new Date(),
      }))
      .where('id', '=', partId)
      .where('status', '=', 'launching')
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  /** launching → running with its task's id. False if its report or the reaper got there first. */
  async markRunning(partId: string, taskId: string): Promise<boolean> {
    const now = new Date();
    const updated = await this.db
      .updateTable('transcodeParts')
      .set({ status: 'running', taskId, startedAt: now, updatedAt: now })
      .where('id', '=', partId)
      .where('status', '=', 'launching')
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  /**
   * Parts to launch now, oldest first: waiting for capacity with `launchAfter` come, or left pending or launching
   * longer than `olderThanSec` by a dispatcher that died. Their jobs' launcher and status come along.
   */
  async findPendingLaunches(olderThanSec: number, limit = 100): Promise<PartOfJob[]> {
    const now = new Date();
    const stale = new Date(now.getTime() - olderThanSec * 1000);
    return this.ofJob()
      .where((eb) =>
        eb.or([
          eb.and([eb('transcodeParts.status', '=', 'launching'), eb('transcodeParts.updatedAt', '<', stale)]),
          eb.and([eb('transcodeParts.status', '=', 'pending'), eb('transcodeParts.launchAfter', '<=', now)]),
          eb.and([
            eb('transcodeParts.status', '=', 'pending'),
            eb('transcodeParts.launchAfter', 'is', null),
            eb('transcodeParts.updatedAt', '<', stale),
          ]),
        ]),
      )
      .orderBy('transcodeParts.createdAt')
      .orderBy('transcodeParts.id')
      .limit(limit)
      .execute();
  }

  /** For the reaper: parts launching or running past their deadline, or (`withTask`) running with a task. */
  async findInFlight(opts: { overdueAt?: Date; limit: number; afterId?: string }): Promise<PartOfJob[]> {
    let query = this.ofJob().where('transcodeParts.status', 'in', partInFlight);
    if (opts.overdueAt) query = query.where('transcodeParts.deadlineAt', '<', opts.overdueAt);
    else
      query = query.where('transcodeParts.status', '=', 'running').where((eb) =>
        eb.or([
          eb('transcodeParts.taskId', 'is not', null),
          // The first aux part: its task is the planning task's, on the job row (see PartOfJob.jobTaskId).
          eb.and([eb('transcodeParts.kind', '=', 'aux'), eb('transcodeParts.partAttempt', '=', 1)]),
        ]),
      );
    if (opts.afterId !== undefined) query = query.where('transcodeParts.id', '>', opts.afterId);
    return query.orderBy('transcodeParts.id').limit(opts.limit).execute();
  }

  private ofJob() {
    return this.db
      .selectFrom('transcodeParts')
      .innerJoin('transcodeJobs', 'transcodeJobs.id', 'transcodeParts.jobId')
      .selectAll('transcodeParts')
      .select([
        'transcodeJobs.launcher',
        'transcodeJobs.jobToken',
        'transcodeJobs.chunkCount',
        'transcodeJobs.status as jobStatus',
        'transcodeJobs.taskId as jobTaskId',
      ]);
  }
}

/** What one attempt's tasks used: the task seconds of its job and parts, and the size they ran at. */
export interface JobCompute {
  attempt: number;
  taskSeconds: number;
  /** ECS CPU units (1024 a vCPU) and MiB; null for jobs from before they were recorded. */
  taskCpu: number | null;
  taskMemoryMib: number | null;
}

/**
 * Per attempt of the video, for its owner only (null when `ownerId` does not own it): the whole (or stitch) task's
 * seconds, on the job, plus every other part's.
 */
export async function computeOfVideo(
  db: Kysely<Database>,
  videoId: string,
  ownerId: string,
): Promise<JobCompute[] | null> {
  const rows = await db
    .selectFrom('videos')
    .leftJoin('transcodeJobs', 'transcodeJobs.videoId', 'videos.id')
    .leftJoin('transcodeParts', 'transcodeParts.jobId', 'transcodeJobs.id')
    .select([
      'transcodeJobs.attempt',
      'transcodeJobs.taskCpu',
      'transcodeJobs.taskMemoryMib',
      sql<number | null>`MAX(transcode_jobs.task_seconds) + COALESCE(SUM(transcode_parts.task_seconds), 0)`.as(
        'taskSeconds',
      ),
    ])
    .where('videos.id', '=', videoId)
    .where('videos.ownerId', '=', ownerId)
    .groupBy([
      'videos.id',
      'transcodeJobs.id',
      'transcodeJobs.attempt',
      'transcodeJobs.taskCpu',
      'transcodeJobs.taskMemoryMib',
    ])
    .orderBy('transcodeJobs.attempt')
    .execute();
  if (rows.length === 0) return null;
  return rows.flatMap((r) =>
    r.attempt === null
      ? []
      : [
          {
            attempt: r.attempt,
            taskSeconds: Number(r.taskSeconds ?? 0),
            taskCpu: r.taskCpu === null ? null : Number(r.taskCpu),
            taskMemoryMib: r.taskMemoryMib === null ? null : Number(r.taskMemoryMib),
          },
        ],
  );
}
