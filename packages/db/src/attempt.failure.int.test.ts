import { createTestDatabase, uniqueName } from '@reelforge/testkit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failAttempt } from './attempt.failure.js';
import type { Database } from './database.js';
import { createDb } from './db.client.js';
import { JobRepository } from './job.repository.js';
import { migrateToLatest } from './migrator.js';
import { UserRepository } from './user.repository.js';
import { VideoRepository } from './video.repository.js';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;
let videos: VideoRepository;
let jobs: JobRepository;
let ownerId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 2 });
  await migrateToLatest(db);
  videos = new VideoRepository(db);
  jobs = new JobRepository(db);
  ownerId = (await new UserRepository(db).create({ email: `${uniqueName('u')}@example.com`, passwordHash: 'h' })).id;
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

const error = { code: 'PROCESSING_FAILED', message: 'could not process' };

/** A video queued for attempt 1 with its job running. */
async function runningAttempt() {
  return db.transaction().execute(async (tx) => {
    const video = await videos.create(tx, { ownerId, title: 't', status: 'uploaded' });
    await videos.transition(video.id, ['uploaded'], 'queued', {}, tx);
    const { job } = await jobs.createIfAbsent(tx, {
      videoId: video.id,
      attempt: 1,
      launcher: 'local',
      deadlineAt: new Date(Date.now() + 60_000),
      launchToken: `rf-${video.id}-a1`,
    });
    await jobs.markRunning(job.id, 'pid-1', tx);
    return { videoId: video.id, jobId: job.id };
  });
}

describe('failAttempt', () => {
  it('fails the video and its job together, once', async () => {
    const { videoId, jobId } = await runningAttempt();
    expect(await failAttempt(db, { videoId, attempt: 1, error })).toEqual({ videoFailed: true, jobFailed: true });
    expect(await videos.findById(videoId)).toMatchObject({
      status: 'failed',
      errorCode: 'PROCESSING_FAILED',
      errorMessage: 'could not process',
    });
    expect(await jobs.findById(jobId)).toMatchObject({ status: 'failed', errorCode: 'PROCESSING_FAILED' });
    expect(await failAttempt(db, { videoId, attempt: 1, error })).toEqual({ videoFailed: false, jobFailed: false });
  });

  it('fails an uploaded video that has no job yet', async () => {
    const video = await db
      .transaction()
      .execute((tx) => videos.create(tx, { ownerId, title: 't', status: 'uploaded' }));
    expect(await failAttempt(db, { videoId: video.id, attempt: 1, error })).toEqual({
      videoFailed: true,
      jobFailed: false,
    });
    expect((await videos.findById(video.id))?.status).toBe('failed');
  });

  it('leaves a video alone when the attempt was superseded', async () => {
    const { videoId } = await runningAttempt();
    await db.transaction().execute((tx) => videos.startNextAttempt(tx, videoId, 1));
    expect((await failAttempt(db, { videoId, attempt: 1, error })).videoFailed).toBe(false);
    expect(await videos.findById(videoId)).toMatchObject({ status: 'queued', attempt: 2, errorCode: null });
  });

  it('changes nothing for a video that does not exist', async () => {
    expect(await failAttempt(db, { videoId: '00000000-0000-4000-8000-000000000000', attempt: 1, error })).toEqual({
      videoFailed: false,
      jobFailed: false,
    });
  });
});
