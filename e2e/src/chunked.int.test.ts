// Chunked transcoding end to end (issue #20) on a second, isolated Reelforge with a low threshold: an upload over it
// is split into chunk tasks (local processes), one chunk's transcoder is SIGKILLed mid-encode, only that chunk is
// launched again, and the video ends ready with a stitched ladder every player file of which answers — one attempt,
// one stitch, and the compute of every part on the owner's read.
import { listKeys } from '@reelforge/storage';
import { describe, expect, it } from 'vitest';
import { ApiClient } from './api.client.js';
import { eventually } from './eventually.js';
import { isolatedStackForFile } from './isolated.stack.js';
import { videoClip } from './media.clips.js';
import { playbackUrls } from './playback.walk.js';

const serviceEnv = {
  CHUNK_THRESHOLD_SEC: '20',
  CHUNK_SEC: '8',
  // The planning task (then the aux part) and three chunks at once.
  LOCAL_MAX_CONCURRENCY: '4',
  // A killed task is seen within seconds.
  REAPER_INTERVAL_SEC: '2',
  RECOVER_AFTER_SEC: '10',
  TASK_STOPPED_GRACE_SEC: '3',
  TASK_SUCCEEDED_GRACE_SEC: '30',
};

const isolated = isolatedStackForFile({ serviceEnv });

describe('chunked transcoding', () => {
  it('splits a long upload into chunk tasks, relaunches only a killed chunk, and ends ready with a stitched ladder', async () => {
    const running = isolated.stack();
    const mysql = isolated.db();
    const api = new ApiClient(running.apiUrl);
    const token = await api.register();
    // 40 s over a 20 s threshold: 8 s chunks, each long enough at 720p to be killed while it encodes.
    const upload = await api.upload(token, await videoClip({ width: 1280, height: 720, seconds: 40 }), 'long.mp4');

    // The first chunk task seen running (the dispatcher's child, pid as task id) is killed with its FFmpeg.
    const victim = await eventually(
      'a chunk task running',
      async () => {
        const part = await mysql
          .selectFrom('transcodeParts')
          .select(['id', 'chunkIndex', 'taskId'])
          .where('videoId', '=', upload.id)
          .where('kind', '=', 'chunk')
          .where('status', '=', 'running')
          .where('taskId', 'is not', null)
          .orderBy('chunkIndex')
          .executeTakeFirst();
        return part?.taskId ? { ...part, pid: Number(part.taskId) } : null;
      },
      240_000,
    );
    process.kill(-victim.pid, 'SIGKILL');

    const video = await api.settled(token, upload.id, 480_000);
    expect(video.status).toBe('ready');

    // One attempt, planned as chunks; the killed chunk ran twice, every other part once, and one stitch.
    const jobs = await mysql
      .selectFrom('transcodeJobs')
      .select(['attempt', 'status', 'chunkCount'])
      .where('videoId', '=', upload.id)
      .execute();
    expect(jobs).toEqual([{ attempt: 1, status: 'succeeded', chunkCount: expect.any(Number) }]);
    const chunkCount = jobs[0]?.chunkCount ?? 0;
    expect(chunkCount).toBeGreaterThanOrEqual(3);
    const parts = await mysql
      .selectFrom('transcodeParts')
      .select(['kind', 'chunkIndex', 'status', 'partAttempt', 'taskSeconds'])
      .where('videoId', '=', upload.id)
      .orderBy('kind')
      .orderBy('chunkIndex')
      .execute();
    expect(parts.map((p) => [p.kind, p.chunkIndex, p.status, p.partAttempt])).toEqual([
      ['aux', 0, 'succeeded', 1],
      ...Array.from({ length: chunkCount }, (_, i) => ['chunk', i, 'succeeded', i === victim.chunkIndex ? 2 : 1]),
      ['stitch', 0, 'succeeded', 1],
    ]);
    expect(parts.filter((p) => p.kind !== 'stitch').every((p) => p.taskSeconds > 0)).toBe(true);

    // The stitched ladder plays: the master, every variant playlist, init section and segment, the MP4s, poster and
    // storyboard all answer through the edge.
    const urls = await playbackUrls(video);
    expect(urls.length).toBeGreaterThanOrEqual(10);
    for (const url of urls) {
      const res = await fetch(url);
      expect([url, res.status]).toEqual([url, 200]);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect(video.source.durationSec).toBeCloseTo(40, 0);
    // The parts were stitched into that layout: none of them is left in the store.
    const keys = await listKeys(running.s3(), 'reelforge-processed', `videos/${upload.id}/`);
    expect(keys.length).toBeGreaterThanOrEqual(urls.length);
    expect(keys.filter((k) => k.includes('/chunks/'))).toEqual([]);

    // What it cost, on the owner's read: every part's task seconds and the stitch's.
    const owned = await api.video(token, upload.id);
    expect(owned.compute?.taskSeconds).toBeGreaterThan(parts.reduce((sum, p) => sum + p.taskSeconds, 0));
    expect(owned.compute?.estimatedCostUsd).toBeGreaterThan(0);
  }, 900_000);
});
