// What a transcoder's report does to a video, decided from the video row and the message alone: results count
// only for the current attempt of a video still being transcoded; a retryable failure starts the next attempt
// after a backoff until the attempts run out; progress only moves forward. completion.service.ts applies it.
import type {
  VideoTranscodedV1,
  VideoTranscodeFailedV1,
  VideoTranscodeProgressV1,
  VideoUploadedV1,
} from '@reelforge/contracts';
import { backoffMs } from '@reelforge/core';
import type { NewRendition, Video, VideoOutputs } from '@reelforge/db';
import { retryUploadedEvent, type UploadedSource } from './uploaded.event.js';

/** The columns the decisions read. */
export type VideoSnapshot = UploadedSource & Pick<Video, 'status' | 'attempt' | 'progressPct'>;

/**
 * The wait before the attempt after a failed one: base·2^(failed−1) capped at max, half of it fixed and half random
 * ("equal jitter"): the random half spreads out the retries of videos that failed together (a broker or S3 outage),
 * the fixed half keeps a retry from coming back at once.
 */
export interface RetryBackoff {
  /** The step after the first failed attempt. */
  baseSec: number;
  /** No step grows beyond this. */
  maxSec: number;
}

export interface PolicyOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  backoff: RetryBackoff;
  /** Jitter source, Math.random by default; fixed in tests. */
  random?: () => number;
}

export type IgnoreReason =
  /** Deleted meanwhile (or never recorded): there is nothing to update. */
  | 'video-missing'
  /** Already ready or failed: a redelivery, or a late report of a video that ended. */
  | 'video-finished'
  /** From an attempt that a retry has superseded. */
  | 'stale-attempt'
  /** From an attempt the video has not reached: no such task was ever launched. */
  | 'unknown-attempt'
  /** Not queued or processing: no transcode of it was started. */
  | 'not-transcoding'
  /** Progress at or below what is recorded: reports of one attempt may arrive out of order. */
  | 'progress-not-ahead';

export interface Ignore {
  kind: 'ignore';
  reason: IgnoreReason;
}

export interface FailureReport {
  code: string;
  message: string;
}

export interface RecordReady {
  kind: 'ready';
  attempt: number;
  outputs: VideoOutputs;
  renditions: NewRendition[];
}

export interface Retry {
  kind: 'retry';
  failedAttempt: number;
  nextAttempt: number;
  /** How long the next attempt's `video.uploaded` waits in the outbox. */
  delaySec: number;
  error: FailureReport;
  event: VideoUploadedV1;
}

export interface Fail {
  kind: 'fail';
  attempt: number;
  error: FailureReport;
  /** permanent: retrying cannot help; exhausted: the last attempt failed; no-source: nothing to retry from. */
  cause: 'permanent' | 'exhausted' | 'no-source';
}

export interface RecordProgress {
  kind: 'progress';
  attempt: number;
  percent: number;
}

const ignore = (reason: IgnoreReason): Ignore => ({ kind: 'ignore', reason });

/** Why a report of `attempt` must not touch the video, or null when it is the current attempt of a live transcode. */
export function staleReason(video: VideoSnapshot | null, attempt: number): IgnoreReason | null {
  if (video === null) return 'video-missing';
  if (video.status === 'ready' || video.status === 'failed') return 'video-finished';
  if (attempt < video.attempt) return 'stale-attempt';
  if (attempt > video.attempt) return 'unknown-attempt';
  if (video.status !== 'queued' && video.status !== 'processing') return 'not-transcoding';
  return null;
}

/**
 * Whether the outputs a transcoded report of `attempt` wrote can never be shown: the video is gone, a later
 * attempt superseded this one, or the video failed on it. Only the attempt a ready video recorded is kept (and a
 * report that is merely early or misrouted is left alone).
 */
export function outputsOrphaned(video: Pick<VideoSnapshot, 'status' | 'attempt'> | null, attempt: number): boolean {
  if (video === null) return true;
  if (attempt < video.attempt) return true;
  return attempt === video.attempt && video.status === 'failed';
}

export function decideTranscoded(video: VideoSnapshot | null, msg: VideoTranscodedV1): RecordReady | Ignore {
  const stale = staleReason(video, msg.attempt);
  if (stale) return ignore(stale);
  return {
    kind: 'ready',
    attempt: msg.attempt,
    outputs: {
      hlsMasterKey: msg.hlsMasterKey,
      posterKey: msg.posterKey,
      spriteKey: msg.thumbnails.spriteKey,
      vttKey: msg.thumbnails.vttKey,
      durationSec: msg.durationSec,
      width: msg.source?.width ?? null,
      height: msg.source?.height ?? null,
    },
    renditions: msg.renditions.map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      bitrateKbps: r.bitrateKbps,
      codecs: r.codecs,
      mp4Key: r.mp4Key,
      playlistKey: r.playlistKey,
      bytes: r.bytes,
    })),
  };
}

export function decideFailed(
  video: VideoSnapshot | null,
  msg: VideoTranscodeFailedV1,
  opts: PolicyOptions,
): Retry | Fail | Ignore {
  const stale = staleReason(video, msg.attempt);
  if (stale || video === null) return ignore(stale ?? 'video-missing');
  const error = { code: msg.code, message: msg.message };
  const fail = (cause: Fail['cause']): Fail => ({ kind: 'fail', attempt: msg.attempt, error, cause });
  if (!msg.retryable) return fail('permanent');
  if (msg.attempt >= opts.maxAttempts) return fail('exhausted');
  const nextAttempt = msg.attempt + 1;
  const event = retryUploadedEvent(video, nextAttempt);
  if (event === null) return fail('no-source');
  return {
    kind: 'retry',
    failedAttempt: msg.attempt,
    nextAttempt,
    delaySec:
      backoffMs(msg.attempt, {
        baseMs: opts.backoff.baseSec * 1000,
        capMs: opts.backoff.maxSec * 1000,
        jitter: 'equal',
        ...(opts.random ? { random: opts.random } : {}),
      }) / 1000,
    error,
    event,
  };
}

/**
 * Progress is floored to a whole percent and only ever raised. `VideoRepository.setProgress` is this rule as one
 * guarded UPDATE (GREATEST keeps it monotonic), which is what the hot path runs; when that UPDATE finds no current
 * attempt to move, this names the reason for the log.
 */
export function decideProgress(video: VideoSnapshot | null, msg: VideoTranscodeProgressV1): RecordProgress | Ignore {
  const stale = staleReason(video, msg.attempt);
  if (stale || video === null) return ignore(stale ?? 'video-missing');
  const percent = Math.min(100, Math.max(0, Math.floor(msg.percent)));
  if (percent <= video.progressPct) return ignore('progress-not-ahead');
  return { kind: 'progress', attempt: msg.attempt, percent };
}
