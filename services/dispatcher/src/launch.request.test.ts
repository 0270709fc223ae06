import { describe, expect, it } from 'vitest';
import { buildJobSpec, buildLaunchRequest, launchToken, partLaunchToken } from './launch.request.js';

const videoId = '0b6c3a52-2f0e-4f6a-9d43-6a7c1f0e9b21';
const video = { id: videoId, sourceBucket: 'raw', sourceKey: `sources/${videoId}/original` };
const jobToken = 'c'.repeat(64);

describe('launchToken', () => {
  it('is derived from (videoId, attempt) alone', () => {
    expect(launchToken(videoId, 1)).toBe('rf-0b6c3a52-2f0e-4f6a-9d43-6a7c1f0e9b21-a1');
    expect(launchToken(videoId, 12)).toBe('rf-0b6c3a52-2f0e-4f6a-9d43-6a7c1f0e9b21-a12');
    expect(launchToken(videoId, 1)).toBe(launchToken(videoId, 1));
  });

  it('fits ECS clientToken (64 characters) for the largest attempt the column holds', () => {
    expect(launchToken(videoId, 4_294_967_295)).toHaveLength(51);
    expect(launchToken(videoId, 4_294_967_295, 99_999)).toHaveLength(58);
  });

  it('changes after each wait for capacity, when no task was started under the old one', () => {
    expect(launchToken(videoId, 2, 0)).toBe('rf-0b6c3a52-2f0e-4f6a-9d43-6a7c1f0e9b21-a2');
    expect(launchToken(videoId, 2, 3)).toBe('rf-0b6c3a52-2f0e-4f6a-9d43-6a7c1f0e9b21-a2-w3');
  });

  it('refuses an attempt that is not a positive integer', () => {
    expect(() => launchToken(videoId, 0)).toThrow(RangeError);
    expect(() => launchToken(videoId, 1.5)).toThrow(RangeError);
  });
});

describe('partLaunchToken', () => {
  it('names the part and its part-attempt after the job’s token', () => {
    const chunk = { kind: 'chunk' as const, chunkIndex: 7, partAttempt: 2 };
    expect(partLaunchToken(videoId, 1, chunk)).toBe(`rf-${videoId}-a1-c7-p2`);
    expect(partLaunchToken(videoId, 1, { kind: 'aux', chunkIndex: 0, partAttempt: 1 })).toBe(`rf-${videoId}-a1-x-p1`);
    expect(partLaunchToken(videoId, 3, { kind: 'stitch', chunkIndex: 0, partAttempt: 1 }, 2)).toBe(
      `rf-${videoId}-a3-s-p1-w2`,
    );
  });

  it('fits ECS clientToken for a large attempt, chunk, part-attempt and wait count', () => {
    expect(partLaunchToken(videoId, 999, { kind: 'chunk', chunkIndex: 999, partAttempt: 99 }, 999)).toHaveLength(58);
  });
});

describe('buildJobSpec', () => {
  it('points the task at the stored source and the attempt’s own output prefix', () => {
    expect(buildJobSpec(video, { attempt: 2, jobToken }, 'processed')).toEqual({
      version: 1,
      videoId,
      attempt: 2,
      source: { bucket: 'raw', key: `sources/${videoId}/original` },
      output: { bucket: 'processed', prefix: `videos/${videoId}/2/` },
      profile: 'default',
      jobToken,
    });
  });

  it('carries the part and the chunking configuration when given', () => {
    const chunking = { thresholdSec: 300, chunkSec: 60, maxChunks: 64 };
    const part = { kind: 'chunk' as const, index: 1, count: 3, startSec: 60, endSec: 120 };
    expect(buildJobSpec(video, { attempt: 1, jobToken }, 'processed', { part, chunking })).toMatchObject({
      part,
      chunking,
      output: { bucket: 'processed', prefix: `videos/${videoId}/1/` },
    });
  });

  it('refuses a video without a stored source', () => {
    expect(() => buildJobSpec({ ...video, sourceKey: null }, { attempt: 1, jobToken }, 'processed')).toThrow(
      /no stored source/,
    );
  });
});

describe('buildLaunchRequest', () => {
  it('keeps the token the job was first claimed with', () => {
    const req = buildLaunchRequest(
      { id: 'job-1', attempt: 1, launchToken: 'first-token', capacityWaits: 0, jobToken },
      video,
      'processed',
    );
    expect(req.token).toBe('first-token');
    expect(req.jobId).toBe('job-1');
  });

  it('derives the token when the job has none yet', () => {
    const req = buildLaunchRequest(
      { id: 'job-1', attempt: 3, launchToken: null, capacityWaits: 0, jobToken },
      video,
      'processed',
    );
    expect(req.token).toBe(`rf-${videoId}-a3`);
  });
});
