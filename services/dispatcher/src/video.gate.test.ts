import { describe, expect, it } from 'vitest';
import { skipReason } from './video.gate.js';

describe('skipReason', () => {
  it('lets the current attempt of a waiting or running video through', () => {
    expect(skipReason({ status: 'uploaded', attempt: 1 }, 1)).toBeNull();
    expect(skipReason({ status: 'queued', attempt: 2 }, 2)).toBeNull();
    expect(skipReason({ status: 'processing', attempt: 2 }, 2)).toBeNull();
  });

  it('ignores a deleted video, an older attempt, a finished video', () => {
    expect(skipReason(null, 1)).toBe('missing');
    expect(skipReason({ status: 'queued', attempt: 3 }, 2)).toBe('stale-attempt');
    expect(skipReason({ status: 'ready', attempt: 1 }, 1)).toBe('finished');
    expect(skipReason({ status: 'failed', attempt: 1 }, 1)).toBe('finished');
  });

  it('ignores an attempt the video has not reached and a video still uploading', () => {
    expect(skipReason({ status: 'queued', attempt: 1 }, 2)).toBe('future-attempt');
    expect(skipReason({ status: 'awaiting_upload', attempt: 1 }, 1)).toBe('not-uploaded');
  });
});
