// What a task's `video.transcode-started` changes, decided from the video and job rows alone: the video's probed
// duration and size, and the job's deadline re-sized from that duration. transcode-started.service.ts applies it.
import type { VideoTranscodeStartedV1 } from '@reelforge/contracts';
import type { TranscodeJob, Video } from '@reelforge/db';
import { type DeadlinePolicy, jobDeadline } from './job.deadline.js';

export type StartedIgnoreReason =
  /** Deleted meanwhile: nothing to update. */
  | 'video-missing'
  /** Ready or failed already: a late or redelivered report. */
  | 'video-finished'
  /** From an attempt a retry superseded, or one never launched. */
  | 'other-attempt'
  /** Neither queued nor processing: no transcode of it is under way. */
  | 'not-transcoding'
  /** Without the job token of its (video, attempt): not from that job's task (see JobRepository.verifyReport). */
  | 'forged';

export type StartedDecision =
  | { kind: 'ignore'; reason: StartedIgnoreReason }
  | {
      kind: 'record';
      source: { durationSec: number; width: number; height: number };
      /** The job's new deadline, or null when it keeps its own (ended, missing, or already later). */
      extendTo: Date | null;
    };

/**
 * The deadline becomes start-up allowance + factor × the real duration, measured from the job's start (its launch
 * recorded, else its creation, which is what the first deadline was measured from). It only ever moves later: a
 * grant is never withdrawn, so a report that arrives late (consumer lag, a dispatcher restart) cannot turn a healthy
 * task overdue at once, and redeliveries or replicas applying it in any order end at the same deadline. A short video
 * thus keeps the default's longer first grant for its first attempt; its retries are sized from the duration from
 * the start, because the video row has it by then.
 */
export function decideStarted(
  video: Pick<Video, 'status' | 'attempt'> | null,
  job: Pick<TranscodeJob, 'status' | 'deadlineAt' | 'startedAt' | 'createdAt'> | null,
  msg: Pick<VideoTranscodeStartedV1, 'attempt' | 'durationSec' | 'width' | 'height'>,
  policy: DeadlinePolicy,
): StartedDecision {
  if (video === null) return { kind: 'ignore', reason: 'video-missing' };
  if (video.status === 'ready' || video.status === 'failed') return { kind: 'ignore', reason: 'video-finished' };
  if (video.attempt !== msg.attempt) return { kind: 'ignore', reason: 'other-attempt' };
  if (video.status !== 'queued' && video.status !== 'processing') return { kind: 'ignore', reason: 'not-transcoding' };
  const source = { durationSec: msg.durationSec, width: msg.width, height: msg.height };
  if (job === null || (job.status !== 'launching' && job.status !== 'running'))
    return { kind: 'record', source, extendTo: null };
  const sized = jobDeadline(job.startedAt ?? job.createdAt, msg.durationSec, policy);
  return { kind: 'record', source, extendTo: sized > job.deadlineAt ? sized : null };
}
