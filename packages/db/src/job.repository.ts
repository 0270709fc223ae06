// Transcode jobs: one per video attempt, claimed for launch by compare-and-set and reaped when past their deadline,
// so several dispatcher replicas can run side by side.
import { randomUUID } from 'node:crypto';
import { AppError } from '@reelforge/contracts';
import { type Kysely, type RawBuilder, type SqlBool, sql, type Transaction } from 'kysely';
import type { Database, TranscodeJob } from './database.js';
import {
  freeLaunchSlots,
  type JobOutcome,
  type JobStatus,
  jobStatuses,
  jobStatusesBefore,
  type Launcher,
} from './job.state.js';
import { jobTokenMatches, newJobToken, type ReportVerdict } from './job.token.js';
import { isMissingParent } from './mysql.errors.js';
import { clipText } from './text.limits.js';

export interface NewJob {
  videoId: string;
  attempt: number;
  launcher: Launcher;
  /** When the reaper may declare it lost if it has not finished. */
  deadlineAt: Date;
  /** Claims a job this call creates for launch at once (`launching` with this token); an existing job is untouched. */
  launchToken?: string;
  /** A job created pending because the global cap was reached: claimable by the recovery pass from then on. */
  launchAfter?: Date;
  /** The size its tasks run at (ECS CPU units, MiB), for what the attempt cost. */
  taskSize?: TaskSize;
}

export interface TaskSize {
  cpu: number;
  memoryMib: number;
}

export interface LaunchClaim {
  jobId: string;
  launchToken: string;
  /** The deadline counted from the claim (a job may have waited long for a slot); it only ever moves later. */
  deadlineAt?: Date;
}

export interface ClaimOptions {
  /** A job stuck in launching this long (its dispatcher died mid-launch) may be claimed again. */
  reclaimAfterSec?: number;
  /**
   * The global cap on jobs launching or running. Pending jobs over it stay pending, marked claimable by the next
   * recovery pass; re-claiming a stuck launching job takes no new slot.
   */
  maxInFlight?: number;
}

export interface JobResult {
  /** The whole task's (or a chunked job's stitch's) wall seconds, when it reported them. */
  taskSeconds?: number | undefined;
  exitCode?: number | null;
  errorCode?: string | null;
  errorMessage?: string | null;
}

/** ECS RunTask's clientToken limit, and the column's width. */
export const MAX_LAUNCH_TOKEN = 64;

export class JobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The job of (videoId, attempt), created as pending if there is none yet: a redelivered message finds the
   * existing job and `created: false`. The row stays locked until `tx` ends. NOT_FOUND if the video does not exist.
   */
  async createIfAbsent(tx: Transaction<Database>, input: NewJob): Promise<{ job: TranscodeJob; created: boolean }> {
    const [result] = await this.createManyIfAbsent(tx, [input]);
    if (result === undefined) throw new Error('createManyIfAbsent returned nothing for one job');
    return result;
  }

  /**
   * createIfAbsent for many (videoId, attempt)s in one statement; results in the order of `inputs`. A job created
   * with a `launchToken` starts claimed, saving the compare-and-set a pending job would need.
   */
  async createManyIfAbsent(
    tx: Transaction<Database>,
    inputs: readonly NewJob[],
  ): Promise<{ job: TranscodeJob; created: boolean }[]> {
    if (inputs.length === 0) return [];
    for (const { launchToken } of inputs) if (launchToken !== undefined) assertLaunchToken(launchToken);
    const now = new Date();
    // Whether this call created a job is told by whose id the row carries, whatever the driver counts as affected.
    const rows = inputs.map((input) => ({
      id: randomUUID(),
      videoId: input.videoId,
      attempt: input.attempt,
      status: input.launchToken === undefined ? ('pending' as const) : ('launching' as const),
      launcher: input.launcher,
      taskId: null,
      launchToken: input.launchToken ?? null,
      launchAfter: input.launchToken === undefined ? (input.launchAfter ?? null) : null,
      capacityWaits: 0,
      jobToken: newJobToken(),
      chunkCount: null,
      taskSeconds: 0,
      taskCpu: input.taskSize?.cpu ?? null,
      taskMemoryMib: input.taskSize?.memoryMib ?? null,
      deadlineAt: input.deadlineAt,
      startedAt: null,
      finishedAt: null,
      exitCode: null,
      errorCode: null,
      errorMessage: null,
      createdAt: now,
      updatedAt: now,
    }));
    try {
      // Not INSERT IGNORE: on a duplicate that takes a shared lock, and two replicas holding it deadlock as soon
      // as either writes the job. The no-op update takes the exclusive lock at once, so they simply queue.
      await tx
        .insertInto('transcodeJobs')
        .values(rows)
        .onDuplicateKeyUpdate((eb) => ({ id: eb.ref('transcodeJobs.id') }))
        .execute();
    } catch (err) {
      if (isMissingParent(err)) {
        const which = inputs.length === 1 ? `video ${inputs[0]?.videoId}` : 'a video of the batch';
        throw new AppError('NOT_FOUND', `${which} not found`, { cause: err });
      }
      throw err;
    }
    // Every row is locked by the insert, so this read is exact (READ COMMITTED sees its own and committed rows).
    const found = await tx
      .selectFrom('transcodeJobs')
      .selectAll()
      .where((eb) =>
        eb(
          eb.refTuple('videoId', 'attempt'),
          'in',
          inputs.map((i) => eb.tuple(i.videoId, i.attempt)),
        ),
      )
      .execute();
    const byKey = new Map(found.map((job) => [`${job.videoId}/${job.attempt}`, job]));
    return rows.map((row) => {
      const job = byKey.get(`${row.videoId}/${row.attempt}`);
      if (job === undefined) throw new Error(`job of video ${row.videoId} attempt ${row.attempt} vanished`);
      return { job, created: job.id === row.id };
    });
  }

  async findById(id: string, tx?: Transaction<Database>): Promise<TranscodeJob | null> {
    const row = await (tx ?? this.db).selectFrom('transcodeJobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ?? null;
  }

  /**
   * Whether a transcoder's report may be applied: `genuine` when it carries the token of the job of its (video,
   * attempt); `forged` when the token is wrong or missing, or that attempt has no job (nothing was launched that could
   * have sent it); `video-missing` when the video is gone — its jobs went with it, and a report of it can only be
   * ignored, which is safe to let through so that a late task's outputs are still cleaned up.
   */
  async verifyReport(report: {
    videoId: string;
    attempt: number;
    jobToken?: string | undefined;
  }): Promise<ReportVerdict> {
    const row = await this.db
      .selectFrom('videos')
      .leftJoin('transcodeJobs', (join) =>
        join.onRef('transcodeJobs.videoId', '=', 'videos.id').on('transcodeJobs.attempt', '=', report.attempt),
      )
      .select('transcodeJobs.jobToken')
      .where('videos.id', '=', report.videoId)
      .executeTakeFirst();
    if (row === undefined) return 'video-missing';
    return row.jobToken !== null && jobTokenMatches(row.jobToken, report.jobToken) ? 'genuine' : 'forged';
  }

  async findByVideoAttempt(videoId: string, attempt: number, tx?: Transaction<Database>): Promise<TranscodeJob | null> {
    const row = await (tx ?? this.db)
      .selectFrom('transcodeJobs')
      .selectAll()
      .where('videoId', '=', videoId)
      .where('attempt', '=', attempt)
      .executeTakeFirst();
    return row ?? null;
  }

  /** The job of (videoId, attempt), locked until `tx` ends (lock the video's row first, as the intake does). */
  async lockByVideoAttempt(tx: Transaction<Database>, videoId: string, attempt: number): Promise<TranscodeJob | null> {
    const row = await tx
      .selectFrom('transcodeJobs')
      .selectAll()
      .where('videoId', '=', videoId)
      .where('attempt', '=', attempt)
      .forUpdate()
      .executeTakeFirst();
    return row ?? null;
  }

  /**
   * pending → launching, compare-and-set: of several replicas exactly one gets the job back, the others null.
   * With `reclaimAfterSec`, a job stuck in launching that long (its dispatcher died mid-launch) can be claimed
   * again; it keeps its first launch token, so relaunching with it cannot start a second ECS task.
   */
  async claimForLaunch(
    jobId: string,
    launchToken: string,
    opts: ClaimOptions & { deadlineAt?: Date } = {},
    tx?: Transaction<Database>,
  ): Promise<TranscodeJob | null> {
    const { deadlineAt, ...rest } = opts;
    const [claimed] = await this.claimManyForLaunch(
      [{ jobId, launchToken, ...(deadlineAt ? { deadlineAt } : {}) }],
      rest,
      tx,
    );
    return claimed ?? null;
  }

  /**
   * Locks the global launch-capacity row until `tx` ends and counts the jobs launching or running: whoever claims
   * under the cap holds it, so two replicas cannot both take the last slot. Lock it before any job row (every
   * claiming transaction does), so claims queue here instead of deadlocking.
   */
  async lockInFlight(tx: Transaction<Database>): Promise<number> {
    return lockInFlight(tx);
  }

  /**
   * claimForLaunch for many jobs in one transaction: the ones this call claimed come back, the others do not. Under
   * `maxInFlight`, pending jobs are claimed in the order given while slots are free.
   */
  async claimManyForLaunch(
    claims: readonly LaunchClaim[],
    opts: ClaimOptions = {},
    tx?: Transaction<Database>,
  ): Promise<TranscodeJob[]> {
    for (const { launchToken } of claims) assertLaunchToken(launchToken);
    if (claims.length === 0) return [];
    const { reclaimAfterSec, maxInFlight } = opts;
    const claim = async (tx: Transaction<Database>) => {
      const free =
        maxInFlight === undefined ? Number.POSITIVE_INFINITY : freeLaunchSlots(maxInFlight, await lockInFlight(tx));
      const now = new Date();
      // Locking the claimable rows first tells which ones this call moves; an UPDATE alone only counts them.
      const rows = await tx
        .selectFrom('transcodeJobs')
        .select(['id', 'status'])
        .where(
          'id',
          'in',
          claims.map((c) => c.jobId),
        )
        .where(claimable(now, reclaimAfterSec))
        .forUpdate()
        .execute();
      if (rows.length === 0) return [];
      const order = new Map(claims.map((c, i) => [c.jobId, i]));
      const pending = rows
        .filter((row) => row.status === 'pending')
        .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      const granted = pending.slice(0, free);
      const overCap = pending.slice(granted.length).map((row) => row.id);
      const ids = [...rows.filter((row) => row.status !== 'pending'), ...granted].map((row) => row.id);
      if (overCap.length > 0) {
        // Left for the recovery pass, which claims them as slots free; a later backoff already set is kept.
        await tx
          .updateTable('transcodeJobs')
          .set((eb) => ({ launchAfter: eb.fn.coalesce('launchAfter', sql<Date>`${now}`) }))
          .where('id', 'in', overCap)
          .execute();
      }
      if (ids.length === 0) return [];
      const tokenOf = new Map(claims.map((c) => [c.jobId, c.launchToken]));
      const deadlines = claims.filter((c) => c.deadlineAt !== undefined && ids.includes(c.jobId));
      await tx
        .updateTable('transcodeJobs')
        .set((eb) => ({
          status: 'launching' as const,
          launchToken: eb.fn.coalesce('launchToken', byId(ids, tokenOf)),
          launchAfter: null,
          ...(deadlines.length > 0
            ? {
                deadlineAt: sql<Date>`GREATEST(deadline_at, COALESCE(${byId(
                  deadlines.map((c) => c.jobId),
                  new Map(deadlines.map((c) => [c.jobId, c.deadlineAt as Date])),
                )}, deadline_at))`,
              }
            : {}),
          updatedAt: now,
        }))
        .where('id', 'in', ids)
        .execute();
      return tx.selectFrom('transcodeJobs').selectAll().where('id', 'in', ids).execute();
    };
    return tx ? claim(tx) : this.db.transaction().execute(claim);
  }

  /**
   * launching → pending after the platform said it has no capacity: no task started, so no attempt is spent. The
   * launch token is dropped (the next claim brings one for the next wait) and the job is claimable from `launchAfter`.
   * False if the job is no longer launching.
   */
  async deferLaunch(jobId: string, launchAfter: Date, tx?: Transaction<Database>): Promise<boolean> {
    const updated = await (tx ?? this.db)
      .updateTable('transcodeJobs')
      .set((eb) => ({
        status: 'pending' as const,
        launchToken: null,
        launchAfter,
        capacityWaits: eb('capacityWaits', '+', 1),
        updatedAt: new Date(),
      }))
      .where('id', '=', jobId)
      .where('status', '=', 'launching')
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  /** launching → running, with the task's id (ECS task ARN or pid). False if it already finished or was reaped. */
  async markRunning(jobId: string, taskId: string, tx?: Transaction<Database>): Promise<boolean> {
    return (await this.markManyRunning([{ jobId, taskId }], tx)).has(jobId);
  }

  /** markRunning for many jobs in one transaction; returns the ids that moved. */
  async markManyRunning(
    starts: readonly { jobId: string; taskId: string }[],
    tx?: Transaction<Database>,
  ): Promise<Set<string>> {
    if (starts.length === 0) return new Set();
    const mark = async (tx: Transaction<Database>) => {
      const now = new Date();
      const movable = await tx
        .selectFrom('transcodeJobs')
        .select('id')
        .where(
          'id',
          'in',
          starts.map((s) => s.jobId),
        )
        .where('status', 'in', jobStatusesBefore('running'))
        .forUpdate()
        .execute();
      const ids = movable.map((row) => row.id);
      if (ids.length === 0) return new Set<string>();
      const taskOf = new Map(starts.map((s) => [s.jobId, s.taskId]));
      await tx
        .updateTable('transcodeJobs')
        .set({ status: 'running', taskId: byId(ids, taskOf), startedAt: now, updatedAt: now })
        .where('id', 'in', ids)
        .execute();
      return new Set(ids);
    };
    return tx ? mark(tx) : this.db.transaction().execute(mark);
  }

  /**
   * Moves a launching or running job's deadline later, to `deadlineAt`; never earlier, and never for a job that has
   * ended. False when nothing moved. `updated_at` is left alone: launch recovery reads it as "claimed at".
   */
  async extendDeadline(jobId: string, deadlineAt: Date, tx?: Transaction<Database>): Promise<boolean> {
    const updated = await (tx ?? this.db)
      .updateTable('transcodeJobs')
      .set({ deadlineAt })
      .where('id', '=', jobId)
      .where('status', 'in', ['launching', 'running'])
      .where('deadlineAt', '<', deadlineAt)
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  /** Ends the job as succeeded, failed or lost, if it has not ended yet. False for a second report. */
  async markFinished(
    jobId: string,
    outcome: JobOutcome,
    result: JobResult = {},
    tx?: Transaction<Database>,
  ): Promise<boolean> {
    const now = new Date();
    const updated = await (tx ?? this.db)
      .updateTable('transcodeJobs')
      .set({
        status: outcome,
        exitCode: result.exitCode ?? null,
        errorCode: result.errorCode ?? null,
        errorMessage: result.errorMessage == null ? null : clipText(result.errorMessage),
        ...(result.taskSeconds === undefined ? {} : { taskSeconds: result.taskSeconds }),
        finishedAt: now,
        updatedAt: now,
      })
      .where('id', '=', jobId)
      .where('status', 'in', jobStatusesBefore(outcome))
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  /**
   * For the reaper: running, then launching, jobs whose deadline is before `now`, oldest first, locked with
   * SKIP LOCKED so replicas reaping at once each get different jobs. Mark them (markFinished 'lost', retry or fail
   * the video) in the same `tx`; the locks last until it ends.
   */
  async findOverdue(tx: Transaction<Database>, now: Date, limit: number): Promise<TranscodeJob[]> {
    const found: TranscodeJob[] = [];
    // One index-ordered scan per status that stops at the limit. With `status IN (…)` MySQL sorts every overdue
    // row first and so locks them all: a second reaper would find nothing left to take.
    for (const status of ['running', 'launching'] as const) {
      if (found.length >= limit) break;
      const batch = await tx
        .selectFrom('transcodeJobs')
        .selectAll()
        .where('status', '=', status)
        .where('deadlineAt', '<', now)
        // A chunked job's parts are reaped instead (PartRepository); its planning task has gone on to the aux part.
        .where('chunkCount', 'is', null)
        .orderBy('deadlineAt')
        .orderBy('id')
        .limit(limit - found.length)
        .forUpdate()
        .skipLocked()
        .execute();
      found.push(...batch);
    }
    return found;
  }

  /**
   * Jobs to launch now, oldest first: those waiting for capacity whose `launchAfter` has come, and those left
   * pending or launching for more than `olderThanSec` (a dispatcher died between creating the job and launching it).
   * Re-claim each with `claimForLaunch(id, token, { reclaimAfterSec })`, which arbitrates replicas.
   */
  async findPendingLaunches(olderThanSec: number, limit = 100, tx?: Transaction<Database>): Promise<TranscodeJob[]> {
    const now = new Date();
    const stale = new Date(now.getTime() - olderThanSec * 1000);
    return (tx ?? this.db)
      .selectFrom('transcodeJobs')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'launching'), eb('updatedAt', '<', stale)]),
          eb.and([eb('status', '=', 'pending'), eb('launchAfter', '<=', now)]),
          eb.and([eb('status', '=', 'pending'), eb('launchAfter', 'is', null), eb('updatedAt', '<', stale)]),
        ]),
      )
      .orderBy('createdAt')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Every status with its number of jobs (zero included), for a jobs-by-state gauge. */
  /** Launching or running jobs past their deadline: what the reaper has not (yet) dealt with. */
  async countOverdue(now: Date, tx?: Transaction<Database>): Promise<number> {
    const row = await (tx ?? this.db)
      .selectFrom('transcodeJobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('status', 'in', ['launching', 'running'])
      .where('deadlineAt', '<', now)
      .where('chunkCount', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async countByStatus(tx?: Transaction<Database>): Promise<Record<JobStatus, number>> {
    const rows = await (tx ?? this.db)
      .selectFrom('transcodeJobs')
      .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const row of rows) if (row.status in counts) counts[row.status] = Number(row.count);
    return counts;
  }
}

/**
 * Locks the global launch-capacity row until `tx` ends and counts the tasks launching or running: jobs of one task,
 * and the parts of chunked jobs (whose job row stays running while they run, and counts for none of them).
 */
export async function lockInFlight(tx: Transaction<Database>): Promise<number> {
  await tx.selectFrom('launchCapacity').select('id').where('id', '=', 1).forUpdate().execute();
  const row = await sql<{ count: number }>`
    SELECT (SELECT COUNT(*) FROM transcode_jobs WHERE status IN ('launching', 'running') AND chunk_count IS NULL)
         + (SELECT COUNT(*) FROM transcode_parts WHERE status IN ('launching', 'running')) AS count
  `.execute(tx);
  return Number(row.rows[0]?.count ?? 0);
}

/**
 * The claim's guard, for jobs and parts alike: pending, or (with `reclaimAfterSec`) stuck in launching that long —
 * its dispatcher died mid-launch.
 */
export function claimable(now: Date, reclaimAfterSec: number | undefined): RawBuilder<SqlBool> {
  if (reclaimAfterSec === undefined) return sql<SqlBool>`status = 'pending'`;
  const stuckBefore = new Date(now.getTime() - reclaimAfterSec * 1000);
  return sql<SqlBool>`(status = 'pending' OR (status = 'launching' AND updated_at < ${stuckBefore}))`;
}

export function assertLaunchToken(token: string): void {
  if (token.length === 0 || token.length > MAX_LAUNCH_TOKEN) {
    throw new RangeError(`launch token must be 1–${MAX_LAUNCH_TOKEN} characters`);
  }
}

/** `CASE id WHEN … THEN … END`: a different value per row in one UPDATE. */
function byId<T extends string | Date>(ids: readonly string[], values: ReadonlyMap<string, T>): RawBuilder<T | null> {
  return sql<T | null>`CASE id ${sql.join(
    ids.map((id) => sql`WHEN ${id} THEN ${values.get(id) ?? null}`),
    sql` `,
  )} END`;
}
