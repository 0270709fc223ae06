import { AppError } from '@reelforge/contracts';
import { createTestDatabase, uniqueName } from '@reelforge/testkit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Video } from './database.js';
import { createDb } from './db.client.js';
import { JobRepository } from './job.repository.js';
import { migrateToLatest } from './migrator.js';
import { type NewRendition, RenditionRepository } from './rendition.repository.js';
import { UserRepository } from './user.repository.js';
import { type NewVideo, type VideoOutputs, VideoRepository } from './video.repository.js';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;
let videos: VideoRepository;
let renditions: RenditionRepository;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 4 });
  await migrateToLatest(db);
  videos = new VideoRepository(db);
  renditions = new RenditionRepository(db);
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

const newOwner = async () =>
  (await new UserRepository(db).create({ email: `${uniqueName('u')}@example.com`, passwordHash: 'h' })).id;

const newVideo = (input: NewVideo) => db.transaction().execute((tx) => videos.create(tx, input));

/** A video that has been uploaded and queued for attempt 1. */
async function queuedVideo(): Promise<Video> {
  const video = await newVideo({ ownerId: await newOwner(), title: 't', status: 'uploaded' });
  expect(await videos.transition(video.id, ['uploaded'], 'queued')).toBe(true);
  return (await videos.findById(video.id)) as Video;
}

const outputs: VideoOutputs = {
  hlsMasterKey: 'v/1/master.m3u8',
  posterKey: 'v/1/poster.jpg',
  spriteKey: 'v/1/sprite.jpg',
  vttKey: 'v/1/storyboard.vtt',
  durationSec: 12.5,
  width: 1920,
  height: 1080,
};

const ladder: NewRendition[] = [
  {
    name: '720p',
    width: 1280,
    height: 720,
    bitrateKbps: 3000,
    codecs: 'avc1.64001f,mp4a.40.2',
    mp4Key: 'v/720p.mp4',
    playlistKey: 'v/720p.m3u8',
    bytes: 4_000_000,
  },
  {
    name: '360p',
    width: 640,
    height: 360,
    bitrateKbps: 800,
    codecs: 'avc1.4d401e,mp4a.40.2',
    mp4Key: 'v/360p.mp4',
    playlistKey: 'v/360p.m3u8',
    bytes: 1_000_000,
  },
];

describe('VideoRepository', () => {
  it('reads back exactly what it created, timestamps in UTC to the millisecond', async () => {
    const ownerId = await newOwner();
    const created = await newVideo({
      ownerId,
      title: 'Café ☕ tour',
      description: 'long\ntext',
      contentType: 'video/mp4',
      originalFilename: 'café.mp4',
      sourceBucket: 'raw',
      sourceKey: 'uploads/x/source',
      multipartUploadId: 'upload-123',
      uploadExpiresAt: new Date('2030-01-02T03:04:05.678Z'),
      createdAt: new Date('2025-01-01T00:00:00.001Z'),
    });
    expect(created).toMatchObject({ status: 'awaiting_upload', attempt: 1, visibility: 'private', progressPct: 0 });
    expect(await videos.findById(created.id)).toEqual(created);
  });

  it('shows a private video to its owner only, a public one to anyone', async () => {
    const ownerId = await newOwner();
    const other = await newOwner();
    const video = await newVideo({ ownerId, title: 'mine' });
    expect((await videos.findVisible(video.id, ownerId))?.id).toBe(video.id);
    expect(await videos.findVisible(video.id, other)).toBeNull();
    expect(await videos.findVisible(video.id, null)).toBeNull();
    expect(await videos.updateDetails(video.id, { visibility: 'public', title: 'ours' })).toBe(true);
    expect((await videos.findVisible(video.id, other))?.title).toBe('ours');
    expect((await videos.findVisible(video.id, null))?.id).toBe(video.id);
  });

  it('pages a library newest first, every video once, stable when newer ones arrive', async () => {
    const ownerId = await newOwner();
    const stranger = await newOwner();
    await newVideo({ ownerId: stranger, title: 'not yours', createdAt: new Date('2025-01-01T00:00:02Z') });
    // Ties on created_at are ordered by id, so no video is skipped or repeated at a page boundary.
    const times = ['00:00:01', '00:00:01', '00:00:01', '00:00:02', '00:00:03', '00:00:03', '00:00:04'];
    const created: Video[] = [];
    for (const t of times) created.push(await newVideo({ ownerId, title: t, createdAt: new Date(`2025-01-01T${t}Z`) }));
    const expected = [...created]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((v) => v.id);

    const first = await videos.listByOwner(ownerId, { limit: 3 });
    await newVideo({ ownerId, title: 'newer', createdAt: new Date('2025-01-01T00:00:09Z') });
    const second = await videos.listByOwner(ownerId, { limit: 3, cursor: first.nextCursor });
    const third = await videos.listByOwner(ownerId, { limit: 3, cursor: second.nextCursor });

    expect([first, second, third].map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect([...first.items, ...second.items, ...third.items].map((v) => v.id)).toEqual(expected);
    expect(third.nextCursor).toBeNull();
    const exact = await videos.listByOwner(ownerId, { limit: 8 });
    expect([exact.items.length, exact.nextCursor]).toEqual([8, null]);
  });

  it('refuses a tampered cursor with BAD_REQUEST', async () => {
    await expect(videos.listByOwner(await newOwner(), { limit: 3, cursor: 'bm9wZQ' })).rejects.toThrow(
      new AppError('BAD_REQUEST', 'invalid cursor'),
    );
  });

  it('moves status only from the expected one (compare-and-set)', async () => {
    const video = await newVideo({ ownerId: await newOwner(), title: 't' });
    expect(await videos.transition(video.id, ['uploaded'], 'queued')).toBe(false);
    expect((await videos.findById(video.id))?.status).toBe('awaiting_upload');
    expect(
      await videos.transition(video.id, ['awaiting_upload'], 'uploaded', { sourceBytes: 42, multipartUploadId: null }),
    ).toBe(true);
    expect(await videos.findById(video.id)).toMatchObject({ status: 'uploaded', sourceBytes: 42 });
    await expect(videos.transition(video.id, ['uploaded'], 'ready')).rejects.toThrow(
      'video cannot move from uploaded to ready',
    );
  });

  it('lets exactly one of several concurrent transitions win', async () => {
    const video = await newVideo({ ownerId: await newOwner(), title: 't', status: 'uploaded' });
    const wins = await Promise.all(
      Array.from({ length: 4 }, () => videos.transition(video.id, ['uploaded'], 'queued')),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('moves a batch in one statement and counts what moved', async () => {
    const owner = await newOwner();
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await newVideo({ ownerId: owner, title: 't', status: 'uploaded' })).id),
    );
    await videos.transition(ids[1] as string, ['uploaded'], 'queued');
    expect(await videos.transitionMany(ids, ['uploaded'], 'queued')).toBe(2);
    expect(await videos.transitionMany([], ['uploaded'], 'queued')).toBe(0);
  });

  it('marks a batch processing for each video’s current attempt only', async () => {
    const [current, stale, finished] = [await queuedVideo(), await queuedVideo(), await queuedVideo()];
    await videos.markFailed(finished.id, 1, { code: 'TRANSCODE_FAILED', message: 'x' });
    const moved = await videos.markManyProcessing([
      { id: current.id, attempt: 1 },
      { id: stale.id, attempt: 2 },
      { id: finished.id, attempt: 1 },
    ]);
    expect([...moved]).toEqual([current.id]);
    const statuses = await Promise.all(
      [current, stale, finished].map(async (v) => (await videos.findById(v.id))?.status),
    );
    expect(statuses).toEqual(['processing', 'queued', 'failed']);
  });

  it('locks the videos of a batch that exist', async () => {
    const [a, b] = [await queuedVideo(), await queuedVideo()];
    const missing = '00000000-0000-4000-8000-000000000000';
    const locked = await db.transaction().execute((tx) => videos.lockMany(tx, [b.id, missing, a.id]));
    expect(locked.map((v) => v.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('records progress of the current attempt only, never backwards', async () => {
    const video = await queuedVideo();
    expect(await videos.setProgress(video.id, 1, 40.7)).toBe(true);
    expect(await videos.setProgress(video.id, 1, 10)).toBe(true);
    expect(await videos.setProgress(video.id, 2, 90)).toBe(false);
    expect((await videos.findById(video.id))?.progressPct).toBe(40);
  });

  it('ignores a stale attempt’s completion once a retry has started', async () => {
    const video = await queuedVideo();
    expect(await videos.markProcessing(video.id, 1)).toBe(true);
    expect(await db.transaction().execute((tx) => videos.startNextAttempt(tx, video.id, 1))).toBe(2);
    // A second replica handling the same failure does not start attempt 3.
    expect(await db.transaction().execute((tx) => videos.startNextAttempt(tx, video.id, 1))).toBeNull();
    const before = await videos.findById(video.id);
    expect(before).toMatchObject({ attempt: 2, status: 'queued', progressPct: 0 });

    expect(await db.transaction().execute((tx) => videos.markReady(tx, video.id, 1, outputs))).toBe(false);
    expect(await videos.setProgress(video.id, 1, 99)).toBe(false);
    expect(await videos.markFailed(video.id, 1, { code: 'TRANSCODE_FAILED', message: 'late' })).toBe(false);
    expect(await videos.findById(video.id)).toEqual(before);

    expect(await db.transaction().execute((tx) => videos.markReady(tx, video.id, 2, outputs))).toBe(true);
    const ready = await videos.findById(video.id);
    expect(ready).toMatchObject({ ...outputs, status: 'ready', attempt: 2, progressPct: 100 });
    expect(ready?.readyAt).toBeInstanceOf(Date);
    expect(await videos.markFailed(video.id, 2, { code: 'TRANSCODE_FAILED', message: 'late' })).toBe(false);
  });

  it('fails the current attempt with its error, clipped to the column', async () => {
    const video = await queuedVideo();
    expect(await videos.markFailed(video.id, 1, { code: 'CORRUPT_INPUT', message: 'x'.repeat(5000) })).toBe(true);
    const failed = await videos.findById(video.id);
    expect([failed?.status, failed?.errorCode, failed?.errorMessage?.length]).toEqual([
      'failed',
      'CORRUPT_INPUT',
      2048,
    ]);
  });

  it('deletes a video with its renditions and jobs', async () => {
    const video = await queuedVideo();
    await db.transaction().execute(async (tx) => {
      await renditions.replaceForVideo(tx, video.id, 1, ladder);
      await new JobRepository(db).createIfAbsent(tx, {
        videoId: video.id,
        attempt: 1,
        launcher: 'noop',
        deadlineAt: new Date(),
      });
    });
    expect(await videos.delete(video.id)).toBe(true);
    expect(await videos.delete(video.id)).toBe(false);
    expect(await renditions.listForVideo(video.id)).toEqual([]);
    expect(await new JobRepository(db).findByVideoAttempt(video.id, 1)).toBeNull();
  });
});

describe('RenditionRepository', () => {
  it('keeps one set when the same completion is recorded twice', async () => {
    const video = await queuedVideo();
    for (let i = 0; i < 2; i++) {
      await db.transaction().execute((tx) => renditions.replaceForVideo(tx, video.id, 1, ladder));
    }
    const stored = await renditions.listForVideo(video.id);
    expect(stored.map((r) => `${r.name}@${r.attempt}`)).toEqual(['360p@1', '720p@1']);
    expect(stored[0]).toMatchObject({ ...ladder[1], videoId: video.id });
  });

  it('replaces the set of an earlier attempt', async () => {
    const video = await queuedVideo();
    await db.transaction().execute((tx) => renditions.replaceForVideo(tx, video.id, 1, ladder));
    await db.transaction().execute((tx) => renditions.replaceForVideo(tx, video.id, 2, ladder.slice(1)));
    expect((await renditions.listForVideo(video.id)).map((r) => `${r.name}@${r.attempt}`)).toEqual(['360p@2']);
  });
});

describe('video.status-changed', () => {
  const changes = async (videoId: string) => {
    const rows = await db
      .selectFrom('outbox')
      .select(['payload', 'messageKey'])
      .where('topic', '=', 'video.status-changed')
      .where('messageKey', '=', videoId)
      .orderBy('id')
      .execute();
    return rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>);
  };

  it('is written with every status change, in the same transaction, with a fresh event id each', async () => {
    const video = await queuedVideo();
    expect(await videos.markProcessing(video.id, 1)).toBe(true);
    expect(await videos.markProcessing(video.id, 1)).toBe(false);
    await db.transaction().execute(async (tx) => {
      expect(await videos.startNextAttempt(tx, video.id, 1)).toBe(2);
    });
    expect(await videos.markFailed(video.id, 2, { code: 'TASK_LOST', message: 'gone' })).toBe(true);
    expect(await videos.delete(video.id)).toBe(true);

    const seen = await changes(video.id);
    expect(seen.map((c) => [c.from, c.to, c.attempt, c.error])).toEqual([
      [null, 'uploaded', 1, null],
      ['uploaded', 'queued', 1, null],
      ['queued', 'processing', 1, null],
      ['processing', 'queued', 2, null],
      ['queued', 'failed', 2, { code: 'TASK_LOST', message: 'gone' }],
      ['failed', 'deleted', 2, null],
    ]);
    expect(new Set(seen.map((c) => c.eventId)).size).toBe(6);
    expect(seen.every((c) => c.ownerId === video.ownerId && c.videoId === video.id)).toBe(true);
  });

  it('is not written when a compare-and-set loses, nor when the transaction rolls back', async () => {
    const video = await queuedVideo();
    await expect(
      db.transaction().execute(async (tx) => {
        await videos.markReady(tx, video.id, 1, outputs);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await db.transaction().execute((tx) => videos.markReady(tx, video.id, 2, outputs))).toBe(false);
    expect((await changes(video.id)).map((c) => c.to)).toEqual(['uploaded', 'queued']);
    expect(await db.transaction().execute((tx) => videos.markReady(tx, video.id, 1, outputs))).toBe(true);
    expect((await changes(video.id)).map((c) => c.to)).toEqual(['uploaded', 'queued', 'ready']);
  });
});
