import { describe, expect, it } from 'vitest';
import { retryUploadedEvent, type UploadedSource } from './uploaded.event.js';

const row: UploadedSource = {
  id: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  ownerId: '7c0e4a52-1d3f-4c53-9a3e-8f0f3c1f2a22',
  sourceBucket: 'reelforge-raw',
  sourceKey: 'sources/0b9f4a52/original',
  sourceBytes: 1_234_567,
  sourceSha256: 'a'.repeat(64),
  contentType: 'video/mp4',
  createdAt: new Date('2025-03-01T10:00:00.123Z'),
};

describe('retryUploadedEvent', () => {
  it('announces the stored original again under the new attempt, uploaded when the video was created', () => {
    expect(retryUploadedEvent(row, 3)).toEqual({
      version: 1,
      videoId: row.id,
      attempt: 3,
      source: { bucket: 'reelforge-raw', key: 'sources/0b9f4a52/original' },
      bytes: 1_234_567,
      sha256: 'a'.repeat(64),
      contentType: 'video/mp4',
      ownerId: row.ownerId,
      uploadedAt: '2025-03-01T10:00:00.123Z',
    });
  });

  it('reads a BIGINT size that the driver returned as a string', () => {
    const fromDriver = { ...row, sourceBytes: '9007199254740' as unknown as number };
    expect(retryUploadedEvent(fromDriver, 2)?.bytes).toBe(9_007_199_254_740);
  });

  it('retries a direct upload, whose original has no SHA-256, with a null sha256', () => {
    expect(retryUploadedEvent({ ...row, sourceSha256: null }, 2)).toMatchObject({ attempt: 2, sha256: null });
  });

  it('is null for a row without a stored original', () => {
    expect(retryUploadedEvent({ ...row, sourceKey: null }, 2)).toBeNull();
    expect(retryUploadedEvent({ ...row, sourceBytes: null }, 2)).toBeNull();
    expect(retryUploadedEvent({ ...row, contentType: null }, 2)).toBeNull();
  });
});
