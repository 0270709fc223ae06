import { AppError } from '@reelforge/contracts';
import { createTestDatabase, uniqueName } from '@reelforge/testkit';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, TranscodeJob } from './database.js';
import { createDb } from './db.client.js';
import { JobRepository } from './job.repository.js';
import { migrateToLatest } from './migrator.js';
import { UserRepository } from './user.repository.js';
import { VideoRepository } from './video.repository.js';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;
let jobs: JobRepository;
let ownerId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 6 });
  await migrateToLatest(db);
  jobs = new JobRepository(db);
  ownerId = (await new UserRepository(db).create({ email: `${uniqueName('u')}@example.com`, passwordHash: 'h' })).id;
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

const newVideoId = () =>
  db.transaction().execute(async (tx) => (await new VideoRepository(db).create(tx, { ownerId, title: 't' })).id);

const inAMinute = () => new Date(Date.now() + 60_000);

async function pendingJob(deadlineAt = inAMinute()): Promise<TranscodeJob> {
  const videoId = await newVideoId();
  return db
    .transaction()
    .execute(async (tx) => (await jobs.createIfAbsent(tx, { videoId, attempt: 1, launcher: 'local', deadlineAt })).job);
}

/** Backdates a job's last change, as if its dispatcher had gone quiet that long ago. */
const age = (id: string, seconds: number) =>
  db
    .updateTable('transcodeJobs')
    .set({ updatedAt: new Date(Date.now() - seconds * 1000) })
    .where('id', '=', id)
    .execute();

describe('JobRepository', () => {
  it('creates one job per video attempt however often the message is redelivered', async () => {
    const videoId = await newVideoId();
    const input = { videoId, attempt: 1, launcher: 'ecs' as const, deadlineAt: new Date('2030-01-01T00:00:00.500Z') };
    const first = await db.transaction().execute((tx) => jobs.createIfAbsent(tx, input));
    const again = await db.transaction().execute((tx) => jobs.createIfAbsent(tx, input));
    expect(first.created).toBe(true);
    expect(again).toEqual({ job: first.job, created: false });
    expect(first.job).toMatchObject({ status: 'pending', launcher: 'ecs', deadlineAt: input.deadlineAt });
    const second = await db.transaction().execute((tx) => jobs.createIfAbsent(tx, { ...input, attempt: 2 }));
    expect(second.created).toBe(true);
    const { count } = await db
      .selectFrom('transcodeJobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('videoId', '=', videoId)
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(2);
  });

  it('creates and claims one job when replicas handle the same message at once', async () => {
    const videoId = await newVideoId();
    const input = { videoId, attempt: 1, launcher: 'ecs' as const, deadlineAt: inAMinute() };
    const results = await Promise.all(
      ['a', 'b', 'c'].map((token) =>
        db.transaction().execute(async (tx) => {
          const { job, created } = await jobs.createIfAbsent(tx, input);
          return { job, created, claimed: await jobs.claimForLaunch(job.id, token, {}, tx) };
        }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.filter((r) => r.claimed !== null)).toHaveLength(1);
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
  });

  it('creates a batch of jobs in one statement, telling the new from the existing', async () => {
    const [a, b, c] = [await newVideoId(), await newVideoId(), await newVideoId()];
    const input = (videoId: string, attempt = 1) => ({
      videoId,
      attempt,
      launcher: 'noop' as const,
      deadlineAt: inAMinute(),
    });
    const existing = await db.transaction().execute((tx) => jobs.createIfAbsent(tx, input(b)));
    const batch = await db
      .transaction()
      .execute((tx) => jobs.createManyIfAbsent(tx, [input(a), input(b), input(c), input(a, 2)]));
    expect(batch.map((r) => [r.job.videoId, r.job.attempt, r.created])).toEqual([
      [a, 1, true],
      [b, 1, false],
      [c, 1, true],
      [a, 2, true],
    ]);
    expect(batch[1]?.job).toEqual(existing.job);
    // Claimed at creation when given a token; an existing job is left as it is.
    const claimed = await db.transaction().execute((tx) =>
      jobs.createManyIfAbsent(
        tx,
        [input(c, 3), input(b)].map((i) => ({ ...i, launchToken: 'tok' })),
      ),
    );
    expect(claimed.map((r) => [r.created, r.job.status, r.job.launchToken])).toEqual([
      [true, 'launching', 'tok'],
      [false, 'pending', null],
    ]);
    expect(await db.transaction().execute((tx) => jobs.createManyIfAbsent(tx, []))).toEqual([]);
  });

  it('refuses a job for a video that does not exist with NOT_FOUND', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const err = await db
      .transaction()
      .execute((tx) =>
        jobs.createIfAbsent(tx, { videoId: missing, attempt: 1, launcher: 'noop', deadlineAt: new Date() }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('NOT_FOUND');
  });

  it('lets exactly one dispatcher claim a pending job', async () => {
    const job = await pendingJob();
    const claims = await Promise.all(['a', 'b', 'c'].map((token) => jobs.claimForLaunch(job.id, `token-${token}`)));
    const won = claims.filter((c) => c !== null);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ status: 'launching', launchToken: expect.stringMatching(/^token-[abc]$/) });
  });

  it('claims each job of overlapping batches exactly once, with its own token', async () => {
    const batch = await Promise.all(Array.from({ length: 6 }, () => pendingJob()));
    const claims = batch.map((job) => ({ jobId: job.id, launchToken: `tok-${job.id.slice(0, 8)}` }));
    const [first, second, third] = await Promise.all([
      jobs.claimManyForLaunch(claims.slice(0, 4)),
      jobs.claimManyForLaunch(claims.slice(2, 6)),
      jobs.claimManyForLaunch(claims.toReversed()),
    ]);
    const won = [...(first ?? []), ...(second ?? []), ...(third ?? [])];
    expect(won.map((j) => j.id).sort()).toEqual(batch.map((j) => j.id).sort());
    for (const job of won) expect(job).toMatchObject({ status: 'launching', launchToken: `tok-${job.id.slice(0, 8)}` });
    expect(await jobs.claimManyForLaunch(claims)).toEqual([]);
  });

  it('re-claims a launch stuck past the window with its first token', async () => {
    const job = await pendingJob();
    expect((await jobs.claimForLaunch(job.id, 'first'))?.launchToken).toBe('first');
    expect(await jobs.claimForLaunch(job.id, 'second', { reclaimAfterSec: 30 })).toBeNull();
    await age(job.id, 60);
    const reclaimed = await jobs.claimForLaunch(job.id, 'second', { reclaimAfterSec: 30 });
    expect(reclaimed).toMatchObject({ status: 'launching', launchToken: 'first' });
    // The re-claim refreshed the clock: a third replica must wait another window.
    expect(await jobs.claimForLaunch(job.id, 'third', { reclaimAfterSec: 30 })).toBeNull();
    await expect(jobs.claimForLaunch(job.id, 'x'.repeat(65))).rejects.toThrow(RangeError);
  });

  it('marks a batch running with each job’s task, skipping those not launching', async () => {
    const [a, b, notClaimed] = [await pendingJob(), await pendingJob(), await pendingJob()];
    await jobs.claimManyForLaunch([a, b].map((j) => ({ jobId: j.id, launchToken: 'tok' })));
    const moved = await jobs.markManyRunning([
      { jobId: a.id, taskId: 'task-a' },
      { jobId: b.id, taskId: 'task-b' },
      { jobId: notClaimed.id, taskId: 'task-c' },
    ]);
    expect([...moved].sort()).toEqual([a.id, b.id].sort());
    const rows = await Promise.all([a, b, notClaimed].map((j) => jobs.findById(j.id)));
    expect(rows.map((r) => [r?.status, r?.taskId])).toEqual([
      ['running', 'task-a'],
      ['running', 'task-b'],
      ['pending', null],
    ]);
  });

  it('runs and finishes once; a second report changes nothing', async () => {
    const job = await pendingJob();
    expect(await jobs.markRunning(job.id, 'arn:aws:ecs:task/1')).toBe(false);
    await jobs.claimForLaunch(job.id, 'tok');
    expect(await jobs.markRunning(job.id, 'arn:aws:ecs:task/1')).toBe(true);
    expect(await jobs.markFinished(job.id, 'succeeded', { exitCode: 0 })).toBe(true);
    expect(await jobs.markFinished(job.id, 'lost', { errorCode: 'TASK_LOST' })).toBe(false);
    expect(await jobs.markRunning(job.id, 'arn:aws:ecs:task/2')).toBe(false);
    const done = await jobs.findById(job.id);
    expect(done).toMatchObject({ status: 'succeeded', taskId: 'arn:aws:ecs:task/1', exitCode: 0, errorCode: null });
    expect(done?.startedAt).toBeInstanceOf(Date);
    expect(done?.finishedAt).toBeInstanceOf(Date);
  });

  it('gives concurrent reapers disjoint overdue jobs', async () => {
    const past = new Date(Date.now() - 1000);
    const overdue = await Promise.all([0, 1, 2, 3].map(() => pendingJob(past)));
    for (const job of overdue) await jobs.claimForLaunch(job.id, 'tok');
    await jobs.markRunning(overdue[0]?.id as string, 'task-0');
    const notDue = await pendingJob(inAMinute());
    await jobs.claimForLaunch(notDue.id, 'tok');
    const stillPending = await pendingJob(past);

    const first = await db.startTransaction().execute();
    const second = await db.startTransaction().execute();
    let secondBatch: TranscodeJob[] = [];
    try {
      const a = await jobs.findOverdue(first, new Date(), 2);
      secondBatch = await jobs.findOverdue(second, new Date(), 10);
      const ids = [...a, ...secondBatch].map((j) => j.id);
      expect([a.length, secondBatch.length]).toEqual([2, 2]);
      expect(new Set(ids)).toEqual(new Set(overdue.map((j) => j.id)));
      expect(ids).not.toContain(notDue.id);
      expect(ids).not.toContain(stillPending.id);
      for (const job of a)
        expect(await jobs.markFinished(job.id, 'lost', { errorCode: 'TASK_LOST' }, first)).toBe(true);
    } finally {
      await first.commit().execute();
      await second.rollback().execute();
    }
    // The first reaper's jobs are lost now; the second's, released unreaped, are still overdue.
    const remaining = await db.transaction().execute((tx) => jobs.findOverdue(tx, new Date(), 10));
    expect(remaining.map((j) => j.id).sort()).toEqual(secondBatch.map((j) => j.id).sort());
  });

  it('finds launches a dead dispatcher left behind', async () => {
    const fresh = await pendingJob();
    const stale = await pendingJob();
    const staleLaunching = await pendingJob();
    await jobs.claimForLaunch(staleLaunching.id, 'tok');
    await age(stale.id, 120);
    await age(staleLaunching.id, 120);
    const found = (await jobs.findPendingLaunches(60, 1000)).map((j) => j.id);
    expect(found).toContain(stale.id);
    expect(found).toContain(staleLaunching.id);
    expect(found).not.toContain(fresh.id);
  });

  it('counts jobs by status, zeros included', async () => {
    await sql`DELETE FROM transcode_jobs`.execute(db);
    const a = await pendingJob();
    const b = await pendingJob();
    await pendingJob();
    await jobs.claimForLaunch(a.id, 'tok');
    await jobs.claimForLaunch(b.id, 'tok');
    await jobs.markFinished(b.id, 'failed', { errorCode: 'LAUNCH_FAILED', errorMessage: 'no capacity' });
    expect(await jobs.countByStatus()).toEqual({
      pending: 1,
      launching: 1,
      running: 0,
      succeeded: 0,
      failed: 1,
      lost: 0,
    });
  });

  it('counts launching and running jobs past their deadline, and nothing else', async () => {
    await sql`DELETE FROM transcode_jobs`.execute(db);
    const past = new Date(Date.now() - 60_000);
    const overdueRunning = await pendingJob(past);
    await jobs.claimForLaunch(overdueRunning.id, 'tok');
    await jobs.markRunning(overdueRunning.id, 'task-1');
    const overdueLaunching = await pendingJob(past);
    await jobs.claimForLaunch(overdueLaunching.id, 'tok');
    await pendingJob(past); // pending: the launch recovery's business, not overdue
    const finished = await pendingJob(past);
    await jobs.claimForLaunch(finished.id, 'tok');
    await jobs.markFinished(finished.id, 'lost', { errorCode: 'TASK_LOST' });
    const onTime = await pendingJob();
    await jobs.claimForLaunch(onTime.id, 'tok');
    await jobs.markRunning(onTime.id, 'task-2');
    expect(await jobs.countOverdue(new Date())).toBe(2);
  });
});
