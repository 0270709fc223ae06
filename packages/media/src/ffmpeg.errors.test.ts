import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { abortError, ffmpegReason } from './ffmpeg.errors.js';

describe('ffmpegReason', () => {
  it('keeps the first error without the demuxer address or the host path', () => {
    const stderr =
      '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5559f2519780] moov atom not found\nfile:/tmp/x.mp4: Invalid data found when processing input\n';
    expect(ffmpegReason(stderr)).toBe('moov atom not found');
    expect(ffmpegReason('file:/scratch/in: No such file or directory\n')).toBe('No such file or directory');
    expect(ffmpegReason('')).toBe('unreadable input');
  });
});

describe('abortError', () => {
  it('is the AppError the abort carried, or a retryable INTERRUPTED', () => {
    const timeout = new AppError('TRANSCODE_TIMEOUT', 'too slow');
    expect(abortError(AbortSignal.abort(timeout))).toBe(timeout);
    expect(abortError(AbortSignal.abort()).toJSON()).toEqual({
      code: 'INTERRUPTED',
      message: 'the transcode was stopped',
      retryable: true,
    });
  });
});
