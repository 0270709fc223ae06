import { describe, expect, it } from 'vitest';
import { checkInputSize, type InputLimits, validateProbe } from './input.validator.js';
import type { ProbeResult } from './probe.js';

const limits: InputLimits = { maxBytes: 1024 ** 3, maxDurationSec: 600, maxPixels: 3840 * 2160, maxStreams: 8 };
const probe = (
  over: Partial<ProbeResult> = {},
  video: Partial<NonNullable<ProbeResult['video']>> = {},
): ProbeResult => ({
  container: 'mov',
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSec: 10,
  audio: null,
  avStreams: 1,
  ...over,
  video:
    over.video === null
      ? null
      : {
          index: 0,
          codec: 'h264',
          width: 1920,
          height: 1080,
          sar: { num: 1, den: 1 },
          rotation: 0,
          avgFrameRate: { num: 30, den: 1 },
          rFrameRate: { num: 30, den: 1 },
          pixFmt: 'yuv420p',
          colorTransfer: null,
          colorPrimaries: null,
          colorSpace: null,
          fieldOrder: null,
          ...video,
        },
});
const codeOf = (e: { code: string } | null) => e?.code ?? null;

describe('checkInputSize', () => {
  it('refuses an empty file and one over the byte limit', () => {
    expect(checkInputSize(0, limits)?.toJSON()).toEqual({
      code: 'EMPTY_INPUT',
      message: 'the file is empty',
      retryable: false,
    });
    expect(checkInputSize(1.5 * 1024 ** 3, limits)?.toJSON()).toEqual({
      code: 'TOO_LARGE',
      message: 'the file is 1.5 GiB; the limit is 1 GiB',
      retryable: false,
    });
    expect(checkInputSize(1024 ** 3, limits)).toBeNull();
  });
});

describe('validateProbe', () => {
  it('accepts a plain video', () => {
    expect(validateProbe(probe(), limits)).toBeNull();
  });

  it('refuses each problem with its stable, non-retryable code', () => {
    expect(codeOf(validateProbe(probe({ formatName: 'hls' }), limits))).toBe('UNSUPPORTED_INPUT');
    expect(codeOf(validateProbe(probe({ video: null }), limits))).toBe('NO_VIDEO_STREAM');
    expect(codeOf(validateProbe(probe({ durationSec: null }), limits))).toBe('CORRUPT_INPUT');
    expect(codeOf(validateProbe(probe({}, { width: 7680, height: 4320 }), limits))).toBe('TOO_MANY_PIXELS');
    expect(validateProbe(probe({ durationSec: 3725 }), limits)?.toJSON()).toEqual({
      code: 'TOO_LONG',
      message: 'the video lasts 1:02:05; the limit is 0:10:00',
      retryable: false,
    });
  });

  it('refuses more video and audio streams than the limit before looking at anything else', () => {
    expect(validateProbe(probe({ avStreams: 9, video: null }), limits)?.toJSON()).toEqual({
      code: 'TOO_MANY_STREAMS',
      message: 'the file has 9 video and audio streams; the limit is 8',
      retryable: false,
    });
  });

  it('refuses a video or audio codec outside the whitelist', () => {
    expect(validateProbe(probe({}, { codec: 'cinepak' }), limits)?.toJSON()).toEqual({
      code: 'UNSUPPORTED_CODEC',
      message: 'the cinepak video codec is not accepted',
      retryable: false,
    });
    const audio = { index: 1, codec: 'adpcm_ima_qt', channels: 1, sampleRate: 8000 };
    expect(codeOf(validateProbe(probe({ audio }), limits))).toBe('UNSUPPORTED_CODEC');
    expect(validateProbe(probe({ audio: { ...audio, codec: 'opus' } }, { codec: 'av1' }), limits)).toBeNull();
  });

  it('allows exactly the limits', () => {
    expect(validateProbe(probe({ durationSec: 600 }, { width: 3840, height: 2160 }), limits)).toBeNull();
    expect(validateProbe(probe({ avStreams: 8 }), limits)).toBeNull();
  });
});
