import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { abortError, ffmpegFailure, ffmpegReason } from './ffmpeg.errors.js';

describe('ffmpegReason', () => {
  it('keeps the first error without the demuxer address or the host path', () => {
    const stderr =
      '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5559f2519780] moov atom not found\nfile:/tmp/x.mp4: Invalid data found when processing input\n';
    expect(ffmpegReason(stderr)).toBe('moov atom not found');
    expect(ffmpegReason('file:/scratch/in: No such file or directory\n')).toBe('No such file or directory');
    expect(ffmpegReason('')).toBe('unreadable input');
  });

  it('names no URL of a source read over http (a presigned one carries credentials)', () => {
    const url = 'https://s3.eu-west-1.amazonaws.com/raw/videos/v1/source?X-Amz-Signature=abc';
    expect(ffmpegReason(`${url}: Server returned 403 Forbidden (access denied)\n`)).toBe(
      'Server returned 403 Forbidden (access denied)',
    );
    expect(ffmpegReason('[tcp @ 0x564a6cb55fc0] Connection to tcp://10.0.3.7:443 failed: Connection refused\n')).toBe(
      'Connection to the source failed: Connection refused',
    );
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

describe('ffmpegFailure', () => {
  it('blames the file for what a decoder or demuxer gave up on: DECODE_ERROR, not retryable', () => {
    const stderr =
      '[matroska,webm @ 0x5571332c5b80] Element at 0x394 ending at 0x65ab0395b exceeds containing master element\n' +
      'Cannot determine format of input stream 0:0 after EOF\nError marking filters as finished\n';
    expect(ffmpegFailure(1, null, stderr).toJSON()).toEqual({
      code: 'DECODE_ERROR',
      message:
        'the video could not be decoded: Element at 0x394 ending at 0x65ab0395b exceeds containing master element',
      retryable: false,
    });
  });

  it('blames the machine for a signal or a resource it ran out of: TRANSCODE_FAILED, retryable', () => {
    expect(ffmpegFailure(null, 'SIGKILL', '').toJSON()).toEqual({
      code: 'TRANSCODE_FAILED',
      message: 'ffmpeg failed (SIGKILL): unreadable input',
      retryable: true,
    });
    const full = '[hls @ 0x55] Failed to write 480p/seg_00003.m4s: No space left on device\n';
    expect(ffmpegFailure(1, null, full).toJSON()).toMatchObject({ code: 'TRANSCODE_FAILED', retryable: true });
    expect(ffmpegFailure(1, null, 'file:/scratch/in: No such file or directory\n').code).toBe('TRANSCODE_FAILED');
  });

  it('blames the store or the network for a source read over http failing: TRANSCODE_FAILED, retryable', () => {
    const expired = 'https://store/raw/v1/source?X-Amz-Expires=60: Server returned 403 Forbidden (access denied)\n';
    expect(ffmpegFailure(1, null, expired).toJSON()).toEqual({
      code: 'TRANSCODE_FAILED',
      message: 'ffmpeg failed (exit 1): Server returned 403 Forbidden (access denied)',
      retryable: true,
    });
    const refused =
      '[tcp @ 0x55] Connection to tcp://10.0.3.7:443 failed: Connection refused\nhttps://x: Connection refused\n';
    expect(ffmpegFailure(1, null, refused).code).toBe('TRANSCODE_FAILED');
    const untrusted = '[tls @ 0x55] The certificate is NOT trusted. The certificate issuer is unknown.\n';
    expect(ffmpegFailure(1, null, untrusted).toJSON()).toMatchObject({ code: 'TRANSCODE_FAILED', retryable: true });
  });
});
