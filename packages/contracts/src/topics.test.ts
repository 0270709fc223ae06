import { describe, expect, it } from 'vitest';
import { AppError, toAppError } from './app-error.js';
import { topics } from './topics.js';

const videoId = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';

describe('topic catalog', () => {
  it('keys every message by its video so one video keeps its order', () => {
    const msg = topics['video.transcode-progress'].schema.parse({ version: 1, videoId, attempt: 2, percent: 40 });
    expect(topics['video.transcode-progress'].key(msg)).toBe(videoId);
  });

  it('refuses a message of another version', () => {
    const r = topics['video.transcode-failed'].schema.safeParse({
      version: 2,
      videoId,
      attempt: 1,
      code: 'X',
      message: 'x',
      retryable: false,
    });
    expect(r.success).toBe(false);
  });

  it('refuses an uploaded event whose sha256 is not hex', () => {
    const r = topics['video.uploaded'].schema.safeParse({
      version: 1,
      videoId,
      attempt: 1,
      source: { bucket: 'raw', key: 'k' },
      bytes: 1,
      sha256: 'nope',
      contentType: 'video/mp4',
      ownerId: 'u1',
      uploadedAt: new Date().toISOString(),
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['sha256']);
  });
});

describe('AppError', () => {
  it('takes status and retryability from its code', () => {
    const e = new AppError('UNSUPPORTED_INPUT', 'not a video');
    expect([e.status, e.retryable]).toEqual([415, false]);
    expect(new AppError('TASK_LOST', 'gone').retryable).toBe(true);
  });

  it('wraps unknown faults as retryable internal errors without leaking their text', () => {
    const e = toAppError(new Error('secret db host 10.0.0.1'));
    expect(e.toJSON()).toEqual({ code: 'INTERNAL', message: 'internal error', retryable: true });
  });
});
