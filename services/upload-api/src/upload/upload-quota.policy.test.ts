import { describe, expect, it } from 'vitest';
import { decideUpload, type QuotaLimits, secondsToNextUtcDay } from './upload-quota.policy.js';

const limits: QuotaLimits = { streamingUploads: 2, openDirectUploads: 3, unfinishedVideos: 5, dailyUploadBytes: 1000 };
const idle = { streaming: 0, openDirect: 0, unfinished: 0, bytesToday: 0 };
const now = new Date('2026-03-04T23:59:00.000Z');
const stream = (bytes: number | null) => ({ kind: 'stream' as const, bytes, atMost: 800 });
const direct = (bytes: number) => ({ kind: 'direct' as const, bytes, atMost: 800 });

describe('decideUpload', () => {
  it('reserves the declared bytes when every quota has room', () => {
    expect(decideUpload(idle, limits, stream(300), now)).toEqual({ allowed: true, reserveBytes: 300 });
    expect(decideUpload(idle, limits, direct(1000), now)).toEqual({ allowed: true, reserveBytes: 1000 });
  });

  it('reserves what is left of the day, up to the upload limit, for a body of unknown length', () => {
    expect(decideUpload(idle, limits, stream(null), now)).toEqual({ allowed: true, reserveBytes: 800 });
    expect(decideUpload({ ...idle, bytesToday: 700 }, limits, stream(null), now)).toEqual({
      allowed: true,
      reserveBytes: 300,
    });
  });

  it('counts concurrent streams for streams only, and open direct uploads for direct ones only', () => {
    const busy = { ...idle, streaming: 2, openDirect: 3, unfinished: 3 };
    expect(decideUpload(busy, limits, stream(1), now)).toEqual({
      allowed: false,
      quota: 'streamingUploads',
      message: 'quota streamingUploads: at most 2 uploads through the API at once',
    });
    expect(decideUpload(busy, limits, direct(1), now)).toMatchObject({ allowed: false, quota: 'openDirectUploads' });
    expect(decideUpload({ ...busy, openDirect: 0 }, limits, direct(1), now)).toMatchObject({ allowed: true });
    expect(decideUpload({ ...busy, streaming: 0 }, limits, stream(1), now)).toMatchObject({ allowed: true });
  });

  it('refuses a sixth unfinished video', () => {
    expect(decideUpload({ ...idle, unfinished: 5 }, limits, direct(1), now)).toMatchObject({
      allowed: false,
      quota: 'unfinishedVideos',
    });
  });

  it('refuses bytes beyond the day with Retry-After at the next UTC midnight', () => {
    expect(decideUpload({ ...idle, bytesToday: 900 }, limits, direct(101), now)).toEqual({
      allowed: false,
      quota: 'dailyUploadBytes',
      message: 'quota dailyUploadBytes: the daily upload allowance of 1000 bytes is used up (100 bytes left today)',
      retryAfterSec: 60,
    });
    expect(decideUpload({ ...idle, bytesToday: 1000 }, limits, stream(null), now)).toMatchObject({
      quota: 'dailyUploadBytes',
      retryAfterSec: 60,
    });
  });

  it('refuses an upload larger than a whole day without Retry-After: waiting cannot help', () => {
    const verdict = decideUpload(idle, limits, direct(1001), now);
    expect(verdict).toEqual({
      allowed: false,
      quota: 'dailyUploadBytes',
      message: 'quota dailyUploadBytes: the upload exceeds the daily upload allowance of 1000 bytes',
    });
  });

  it('counts seconds to the next UTC day', () => {
    expect(secondsToNextUtcDay(new Date('2026-03-04T00:00:00.000Z'))).toBe(86_400);
    expect(secondsToNextUtcDay(new Date('2026-03-04T23:59:59.500Z'))).toBe(1);
  });
});
