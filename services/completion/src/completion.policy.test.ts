import type { VideoTranscodedV1, VideoTranscodeFailedV1 } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import {
  decideFailed,
  decideProgress,
  decideTranscoded,
  outputsOrphaned,
  type PolicyOptions,
  staleReason,
  type VideoSnapshot,
} from './completion.policy.js';

const videoId = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';
const ownerId = '7c0e4a52-1d3f-4c53-9a3e-8f0f3c1f2a22';

const video = (over: Partial<VideoSnapshot> = {}): VideoSnapshot => ({
  id: videoId,
  ownerId,
  status: 'processing',
  attempt: 1,
  progressPct: 40,
  sourceBucket: 'raw',
  sourceKey: `sources/${videoId}`,
  sourceBytes: 5000,
  sourceSha256: 'b'.repeat(64),
  contentType: 'video/quicktime',
  createdAt: new Date('2025-03-01T10:00:00.000Z'),
  ...over,
});

const opts: PolicyOptions = { maxAttempts: 3, backoff: { baseSec: 5, maxSec: 300 }, random: () => 0.5 };

const transcoded = (attempt = 1): VideoTranscodedV1 => ({
  version: 1,
  videoId,
  attempt,
  renditions: [
    {
      name: '360p',
      width: 640,
      height: 360,
      bitrateKbps: 800,
      codecs: 'avc1.4d401e,mp4a.40.2',
      mp4Key: `videos/${videoId}/${attempt}/360p.mp4`,
      playlistKey: `videos/${videoId}/${attempt}/360p/index.m3u8`,
      bytes: 1_000_000,
    },
  ],
  hlsMasterKey: `videos/${videoId}/${attempt}/master.m3u8`,
  posterKey: `videos/${videoId}/${attempt}/poster.jpg`,
  thumbnails: {
    spriteKey: `videos/${videoId}/${attempt}/sprite.jpg`,
    vttKey: `videos/${videoId}/${attempt}/storyboard.vtt`,
    intervalSec: 2,
    tileWidth: 160,
    tileHeight: 90,
  },
  durationSec: 12.48,
  source: { width: 1920, height: 1080, hasAudio: true },
});

const failed = (over: Partial<VideoTranscodeFailedV1> = {}): VideoTranscodeFailedV1 => ({
  version: 1,
  videoId,
  attempt: 1,
  code: 'TRANSCODE_FAILED',
  message: 'ffmpeg exited with 1',
  retryable: true,
  ...over,
});

describe('outputsOrphaned', () => {
  it('gives up the outputs of a deleted video, a superseded attempt, or the attempt a video failed on', () => {
    expect(outputsOrphaned(null, 1)).toBe(true);
    expect(outputsOrphaned(video({ status: 'processing', attempt: 2 }), 1)).toBe(true);
    expect(outputsOrphaned(video({ status: 'ready', attempt: 2 }), 1)).toBe(true);
    expect(outputsOrphaned(video({ status: 'failed', attempt: 1 }), 1)).toBe(true);
  });

  it('keeps what a ready video shows, what is still in play, and a report from an attempt never launched', () => {
    expect(outputsOrphaned(video({ status: 'ready', attempt: 1 }), 1)).toBe(false);
    expect(outputsOrphaned(video({ status: 'processing', attempt: 1 }), 1)).toBe(false);
    expect(outputsOrphaned(video({ status: 'queued', attempt: 1 }), 2)).toBe(false);
    expect(outputsOrphaned(video({ status: 'failed', attempt: 1 }), 2)).toBe(false);
  });
});

describe('staleReason', () => {
  it('accepts the current attempt of a queued or processing video', () => {
    expect(staleReason(video(), 1)).toBeNull();
    expect(staleReason(video({ status: 'queued', attempt: 2 }), 2)).toBeNull();
  });

  it('names why anything else is stale', () => {
    expect(staleReason(null, 1)).toBe('video-missing');
    expect(staleReason(video({ status: 'ready' }), 1)).toBe('video-finished');
    expect(staleReason(video({ status: 'failed' }), 1)).toBe('video-finished');
    expect(staleReason(video({ attempt: 2 }), 1)).toBe('stale-attempt');
    expect(staleReason(video({ attempt: 2 }), 3)).toBe('unknown-attempt');
    expect(staleReason(video({ status: 'uploaded' }), 1)).toBe('not-transcoding');
    expect(staleReason(video({ status: 'awaiting_upload' }), 1)).toBe('not-transcoding');
  });
});

describe('decideTranscoded', () => {
  it('records the current attempt as ready with its renditions, keys, duration and source size', () => {
    expect(decideTranscoded(video(), transcoded())).toEqual({
      kind: 'ready',
      attempt: 1,
      outputs: {
        hlsMasterKey: `videos/${videoId}/1/master.m3u8`,
        posterKey: `videos/${videoId}/1/poster.jpg`,
        spriteKey: `videos/${videoId}/1/sprite.jpg`,
        vttKey: `videos/${videoId}/1/storyboard.vtt`,
        durationSec: 12.48,
        width: 1920,
        height: 1080,
      },
      renditions: [
        {
          name: '360p',
          width: 640,
          height: 360,
          bitrateKbps: 800,
          codecs: 'avc1.4d401e,mp4a.40.2',
          mp4Key: `videos/${videoId}/1/360p.mp4`,
          playlistKey: `videos/${videoId}/1/360p/index.m3u8`,
          bytes: 1_000_000,
        },
      ],
    });
  });

  it('counts a result that arrives while the video is still queued', () => {
    expect(decideTranscoded(video({ status: 'queued' }), transcoded()).kind).toBe('ready');
  });

  it('leaves the source size unknown when the transcoder did not report it', () => {
    const { source: _, ...withoutSource } = transcoded();
    const decision = decideTranscoded(video(), withoutSource);
    expect(decision.kind === 'ready' && [decision.outputs.width, decision.outputs.height]).toEqual([null, null]);
  });

  it('ignores a stale attempt, a finished video and a deleted one', () => {
    expect(decideTranscoded(video({ attempt: 2, status: 'queued' }), transcoded(1))).toEqual({
      kind: 'ignore',
      reason: 'stale-attempt',
    });
    expect(decideTranscoded(video({ status: 'ready' }), transcoded(1))).toEqual({
      kind: 'ignore',
      reason: 'video-finished',
    });
    expect(decideTranscoded(null, transcoded(1))).toEqual({ kind: 'ignore', reason: 'video-missing' });
  });
});

describe('decideFailed', () => {
  it('retries a retryable failure below the limit: next attempt, backoff, the original announced again', () => {
    expect(decideFailed(video(), failed(), opts)).toEqual({
      kind: 'retry',
      failedAttempt: 1,
      nextAttempt: 2,
      delaySec: 3.75,
      error: { code: 'TRANSCODE_FAILED', message: 'ffmpeg exited with 1' },
      event: {
        version: 1,
        videoId,
        attempt: 2,
        source: { bucket: 'raw', key: `sources/${videoId}` },
        bytes: 5000,
        sha256: 'b'.repeat(64),
        contentType: 'video/quicktime',
        ownerId,
        uploadedAt: '2025-03-01T10:00:00.000Z',
      },
    });
  });

  it('backs off longer after each failed attempt', () => {
    const second = decideFailed(video({ attempt: 2 }), failed({ attempt: 2 }), { ...opts, maxAttempts: 5 });
    const fourth = decideFailed(video({ attempt: 4 }), failed({ attempt: 4 }), { ...opts, maxAttempts: 5 });
    expect(second.kind === 'retry' && [second.nextAttempt, second.delaySec]).toEqual([3, 7.5]);
    expect(fourth.kind === 'retry' && [fourth.nextAttempt, fourth.delaySec]).toEqual([5, 30]);
  });

  it('retries a lost task (the reaper reports it) like any retryable failure, also while queued', () => {
    const lost = failed({ code: 'TASK_LOST', message: 'task stopped: exit 137' });
    const decision = decideFailed(video({ status: 'queued' }), lost, opts);
    expect(decision.kind === 'retry' && decision.error).toEqual({
      code: 'TASK_LOST',
      message: 'task stopped: exit 137',
    });
  });

  it('fails the video when the last attempt fails, with its code and message', () => {
    expect(decideFailed(video({ attempt: 3 }), failed({ attempt: 3, code: 'TRANSCODE_TIMEOUT' }), opts)).toEqual({
      kind: 'fail',
      attempt: 3,
      error: { code: 'TRANSCODE_TIMEOUT', message: 'ffmpeg exited with 1' },
      cause: 'exhausted',
    });
  });

  it('fails at once on a permanent failure, whatever attempts are left', () => {
    const unsupported = failed({ code: 'UNSUPPORTED_INPUT', message: 'not a video', retryable: false });
    expect(decideFailed(video(), unsupported, opts)).toEqual({
      kind: 'fail',
      attempt: 1,
      error: { code: 'UNSUPPORTED_INPUT', message: 'not a video' },
      cause: 'permanent',
    });
  });

  it('with one attempt allowed, never retries', () => {
    expect(decideFailed(video(), failed(), { ...opts, maxAttempts: 1 })).toMatchObject({
      kind: 'fail',
      cause: 'exhausted',
    });
  });

  it('fails instead of retrying a video whose original is not recorded', () => {
    expect(decideFailed(video({ sourceKey: null }), failed(), opts)).toMatchObject({
      kind: 'fail',
      cause: 'no-source',
    });
  });

  it('ignores the failure of a superseded attempt and of a finished video', () => {
    expect(decideFailed(video({ attempt: 2, status: 'queued' }), failed(), opts)).toEqual({
      kind: 'ignore',
      reason: 'stale-attempt',
    });
    expect(decideFailed(video({ status: 'failed' }), failed(), opts)).toEqual({
      kind: 'ignore',
      reason: 'video-finished',
    });
    expect(decideFailed(null, failed(), opts)).toEqual({ kind: 'ignore', reason: 'video-missing' });
  });
});

describe('decideProgress', () => {
  const progress = (percent: number, attempt = 1) => ({ version: 1 as const, videoId, attempt, percent });

  it('raises progress to the floored percent', () => {
    expect(decideProgress(video({ progressPct: 40 }), progress(55.9))).toEqual({
      kind: 'progress',
      attempt: 1,
      percent: 55,
    });
    expect(decideProgress(video({ progressPct: 99 }), progress(100))).toEqual({
      kind: 'progress',
      attempt: 1,
      percent: 100,
    });
  });

  it('never moves progress backwards or re-records the same value', () => {
    expect(decideProgress(video({ progressPct: 40 }), progress(35))).toEqual({
      kind: 'ignore',
      reason: 'progress-not-ahead',
    });
    expect(decideProgress(video({ progressPct: 40 }), progress(40.7))).toEqual({
      kind: 'ignore',
      reason: 'progress-not-ahead',
    });
  });

  it('ignores progress of a stale attempt and of a finished video', () => {
    expect(decideProgress(video({ attempt: 2, progressPct: 0 }), progress(90, 1))).toEqual({
      kind: 'ignore',
      reason: 'stale-attempt',
    });
    expect(decideProgress(video({ status: 'ready', progressPct: 100 }), progress(90))).toEqual({
      kind: 'ignore',
      reason: 'video-finished',
    });
  });
});
