// Whether a user may start one more upload, from what their uploads hold now. Pure: the service reads the usage
// inside a transaction that locks the user, asks here, and reserves what the verdict says.
import type { UploadUsage } from '@reelforge/db';

export interface QuotaLimits {
  /** Streamed uploads (POST /v1/videos) in flight at once. */
  streamingUploads: number;
  /** Direct uploads opened and not yet completed. */
  openDirectUploads: number;
  /** Videos not yet ready: awaiting their parts, uploaded, queued or processing (and streams in flight). */
  unfinishedVideos: number;
  /** Bytes reserved for uploads per UTC day. */
  dailyUploadBytes: number;
}

export interface UploadRequest {
  kind: 'stream' | 'direct';
  /** What the client declared; null for a streamed body without Content-Length. */
  bytes: number | null;
  /** The most an undeclared body may bring (the upload size limit). */
  atMost: number;
}

export type QuotaVerdict =
  | { allowed: true; reserveBytes: number }
  | { allowed: false; quota: keyof QuotaLimits; message: string; retryAfterSec?: number };

const DAY_MS = 24 * 3600 * 1000;

/** Seconds until the next UTC midnight, when a new day's bytes start. */
export const secondsToNextUtcDay = (now: Date): number => Math.ceil((DAY_MS - (now.getTime() % DAY_MS)) / 1000);

export function decideUpload(usage: UploadUsage, limits: QuotaLimits, req: UploadRequest, now: Date): QuotaVerdict {
  if (req.kind === 'stream' && usage.streaming >= limits.streamingUploads) {
    return refuse('streamingUploads', `at most ${limits.streamingUploads} uploads through the API at once`);
  }
  if (req.kind === 'direct' && usage.openDirect >= limits.openDirectUploads) {
    return refuse('openDirectUploads', `at most ${limits.openDirectUploads} open direct uploads; complete one first`);
  }
  if (usage.unfinished >= limits.unfinishedVideos) {
    return refuse('unfinishedVideos', `at most ${limits.unfinishedVideos} videos waiting to be ready`);
  }
  const left = Math.max(0, limits.dailyUploadBytes - usage.bytesToday);
  const wanted = req.bytes ?? Math.min(left, req.atMost);
  if (wanted > left || left === 0) {
    const daily = `the daily upload allowance of ${limits.dailyUploadBytes} bytes`;
    // Tomorrow helps only an upload that fits in a whole day.
    if ((req.bytes ?? 1) > limits.dailyUploadBytes) return refuse('dailyUploadBytes', `the upload exceeds ${daily}`);
    return refuse('dailyUploadBytes', `${daily} is used up (${left} bytes left today)`, secondsToNextUtcDay(now));
  }
  return { allowed: true, reserveBytes: wanted };
}

const refuse = (quota: keyof QuotaLimits, message: string, retryAfterSec?: number): QuotaVerdict =>
  retryAfterSec === undefined
    ? { allowed: false, quota, message: `quota ${quota}: ${message}` }
    : { allowed: false, quota, message: `quota ${quota}: ${message}`, retryAfterSec };
