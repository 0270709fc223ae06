// Pure refusals of an input, each with its stable code: what the operator allows (size, length, pixels, streams)
// and what a transcode needs (a real container, a whitelisted codec, a picture, a duration).
import { AppError } from '@reelforge/contracts';
import { isWhitelistedAudioCodec, isWhitelistedVideoCodec } from './codec.whitelist.js';
import { isWhitelistedFormat } from './container.sniffer.js';
import type { ProbeResult } from './probe.js';

export interface InputLimits {
  maxBytes: number;
  maxDurationSec: number;
  /** Stored width × height of the source: what the decoder has to hold per frame. */
  maxPixels: number;
  /** Video plus audio streams; other streams (subtitles, data) are ignored, never decoded. */
  maxStreams: number;
}

export const defaultInputLimits: InputLimits = {
  maxBytes: 20 * 1024 ** 3,
  maxDurationSec: 4 * 3600,
  // 8K UHD; what a phone or camera produces today, and bounded so a forged 60000×60000 header is refused.
  maxPixels: 7680 * 4320,
  // A multi-angle or multi-language file has a few; thousands only serve to make the demuxer and muxers work.
  maxStreams: 8,
};

/** Checked before anything is downloaded or probed. */
export function checkInputSize(bytes: number, limits: InputLimits): AppError | null {
  if (bytes === 0) return new AppError('EMPTY_INPUT', 'the file is empty');
  if (bytes > limits.maxBytes) {
    return new AppError('TOO_LARGE', `the file is ${formatBytes(bytes)}; the limit is ${formatBytes(limits.maxBytes)}`);
  }
  return null;
}

export function validateProbe(probe: ProbeResult, limits: InputLimits): AppError | null {
  if (!isWhitelistedFormat(probe.formatName)) {
    return new AppError('UNSUPPORTED_INPUT', `the ${probe.formatName} format is not accepted`);
  }
  if (probe.avStreams > limits.maxStreams) {
    return new AppError(
      'TOO_MANY_STREAMS',
      `the file has ${probe.avStreams} video and audio streams; the limit is ${limits.maxStreams}`,
    );
  }
  const video = probe.video;
  if (!video) return new AppError('NO_VIDEO_STREAM', 'the file has no video stream');
  if (!isWhitelistedVideoCodec(video.codec)) {
    return new AppError('UNSUPPORTED_CODEC', `the ${video.codec} video codec is not accepted`);
  }
  if (probe.audio && !isWhitelistedAudioCodec(probe.audio.codec)) {
    return new AppError('UNSUPPORTED_CODEC', `the ${probe.audio.codec} audio codec is not accepted`);
  }
  if (probe.durationSec === null) return new AppError('CORRUPT_INPUT', 'the duration of the video cannot be read');
  const pixels = video.width * video.height;
  if (pixels > limits.maxPixels) {
    return new AppError(
      'TOO_MANY_PIXELS',
      `the video is ${video.width}x${video.height}; the limit is ${limits.maxPixels.toLocaleString('en-US')} pixels`,
    );
  }
  if (probe.durationSec > limits.maxDurationSec) {
    return new AppError(
      'TOO_LONG',
      `the video lasts ${formatDuration(probe.durationSec)}; the limit is ${formatDuration(limits.maxDurationSec)}`,
    );
  }
  return null;
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

function formatDuration(sec: number): string {
  const s = Math.round(sec);
  const pad = (v: number) => String(v).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}
