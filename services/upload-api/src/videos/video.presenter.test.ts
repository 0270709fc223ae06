import type { Rendition, Video } from '@reelforge/db';
import { createS3Client, verifyPlaybackToken } from '@reelforge/storage';
import { describe, expect, it } from 'vitest';
import { playbackLinks, presentVideo } from './video.presenter.js';

const at = new Date('2026-01-02T03:04:05.000Z');
const base: Video = {
  id: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  ownerId: 'u1',
  title: 'Cat',
  description: null,
  visibility: 'private',
  status: 'processing',
  attempt: 1,
  sourceBucket: 'raw',
  sourceKey: 'sources/x/original',
  sourceBytes: 1234,
  sourceSha256: 'ab'.repeat(32),
  contentType: 'video/mp4',
  originalFilename: 'cat.mp4',
  multipartUploadId: null,
  uploadExpiresAt: null,
  durationSec: null,
  width: null,
  height: null,
  progressPct: 40,
  errorCode: null,
  errorMessage: null,
  hlsMasterKey: null,
  posterKey: null,
  spriteKey: null,
  vttKey: null,
  createdAt: at,
  updatedAt: at,
  readyAt: null,
};
const rendition = (name: string, height: number): Rendition => ({
  videoId: base.id,
  attempt: 1,
  name,
  width: (height * 16) / 9,
  height,
  bitrateKbps: height * 5,
  codecs: 'avc1.64001f',
  mp4Key: `videos/${base.id}/1/${name}.mp4`,
  playlistKey: `videos/${base.id}/1/${name}/index.m3u8`,
  bytes: 100,
  createdAt: at,
});
const unwatched = { views: 0, likes: 0 };
const secret = 'playback-secret-for-the-presenter-test';
const links = playbackLinks({
  s3: createS3Client({ region: 'us-east-1' }),
  bucket: 'processed',
  cdnBaseUrl: 'https://cdn.example',
  ttlSec: 60,
  tokenSecrets: [secret],
  nowMs: () => Date.UTC(2026, 0, 2, 3, 4, 5),
});
const cdn = links({ ...base, visibility: 'public' });

describe('presentVideo', () => {
  it('shows progress and source facts, and no links, while processing', async () => {
    expect(await presentVideo(base, [], { views: 7, likes: 2 }, cdn)).toEqual({
      id: base.id,
      title: 'Cat',
      description: null,
      visibility: 'private',
      status: 'processing',
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
      source: {
        filename: 'cat.mp4',
        bytes: 1234,
        contentType: 'video/mp4',
        sha256: 'ab'.repeat(32),
        durationSec: null,
        width: null,
        height: null,
      },
      progressPct: 40,
      views: 7,
      likes: 2,
    });
  });

  it('shows the error of a failed video', async () => {
    const v = await presentVideo(
      { ...base, status: 'failed', errorCode: 'NO_VIDEO_STREAM', errorMessage: 'audio only' },
      [],
      unwatched,
      cdn,
    );
    expect(v.error).toEqual({ code: 'NO_VIDEO_STREAM', message: 'audio only' });
  });

  it('shows no bucket, key or scratch path in the error of a failed video', async () => {
    const v = await presentVideo(
      {
        ...base,
        status: 'failed',
        errorCode: 'STORAGE_ERROR',
        errorMessage: `reading raw-prod-7/sources/${base.id}/source failed; bucket raw-prod-7 said 503; /scratch/x/in.mp4`,
      },
      [],
      unwatched,
      cdn,
      ['raw-prod-7', 'processed-prod-7'],
    );
    expect(v.error).toEqual({
      code: 'STORAGE_ERROR',
      message: 'reading [path] failed; bucket [path] said 503; [path]',
    });
  });

  it('links everything of a ready video under the CDN base', async () => {
    const ready: Video = {
      ...base,
      status: 'ready',
      progressPct: 100,
      durationSec: 12.5,
      width: 1920,
      height: 1080,
      hlsMasterKey: `videos/${base.id}/1/master.m3u8`,
      posterKey: `videos/${base.id}/1/poster.jpg`,
      spriteKey: `videos/${base.id}/1/sprite.jpg`,
      vttKey: `videos/${base.id}/1/sprite.vtt`,
    };
    const v = await presentVideo(ready, [rendition('360p', 360), rendition('720p', 720)], unwatched, cdn);
    const root = `https://cdn.example/videos/${base.id}/1`;
    expect(v.hls).toBe(`${root}/master.m3u8`);
    expect(v.poster).toBe(`${root}/poster.jpg`);
    expect(v.storyboard).toEqual({ image: `${root}/sprite.jpg`, vtt: `${root}/sprite.vtt` });
    expect(v.renditions).toEqual([
      { name: '360p', width: 640, height: 360, bitrateKbps: 1800, mp4: `${root}/360p.mp4` },
      { name: '720p', width: 1280, height: 720, bitrateKbps: 3600, mp4: `${root}/720p.mp4` },
    ]);
    expect(v.source).toMatchObject({ durationSec: 12.5, width: 1920, height: 1080 });
  });

  it('puts a private video under a playback token for that video, on a 5-minute expiry grid', async () => {
    const link = links({ id: base.id, visibility: 'private', durationSec: 12.5 });
    const url = await link(`videos/${base.id}/1/master.m3u8`);
    const m = /^https:\/\/cdn\.example\/t\/([^/]+)\/videos\/[^/]+\/1\/master\.m3u8$/.exec(url);
    const token = m?.[1] ?? '';
    // 03:04:05 + 60 s rounded up to the grid: 03:05:05 → 03:10:00.
    const expiresAt = Date.UTC(2026, 0, 2, 3, 10, 0) / 1000;
    expect(verifyPlaybackToken([secret], token, base.id, expiresAt)).toEqual({
      ok: true,
      grant: { videoId: base.id, expiresAt },
    });
    expect(verifyPlaybackToken([secret], token, base.id, expiresAt + 1).ok).toBe(false);
    // A long video's token lasts for twice its duration.
    const long = await links({ id: base.id, visibility: 'private', durationSec: 3600 })('x');
    expect(long).toContain(`/t/${Date.UTC(2026, 0, 2, 5, 5, 0) / 1000}.`);
  });

  it('presigns links into the processed bucket when there is no CDN', async () => {
    const link = playbackLinks({
      s3: createS3Client({
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:4566',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      }),
      bucket: 'processed',
      ttlSec: 300,
    })(base);
    const url = new URL(await link('videos/x/1/poster.jpg'));
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:4566/processed/videos/x/1/poster.jpg');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
  });
});
