// Whether a `video.uploaded` message (or a recovered job) still describes work to do, judged on the video row.
import type { Video } from '@reelforge/db';

export type SkipReason = 'missing' | 'stale-attempt' | 'finished' | 'not-uploaded' | 'future-attempt';

/** Null when the attempt is the video's current one and the video is waiting for (or in) its transcode. */
export function skipReason(video: Pick<Video, 'status' | 'attempt'> | null, attempt: number): SkipReason | null {
  if (video === null) return 'missing';
  if (video.status === 'ready' || video.status === 'failed') return 'finished';
  if (attempt < video.attempt) return 'stale-attempt';
  // The row is written before its message (outbox), so this would be a message from another deployment's database.
  if (attempt > video.attempt) return 'future-attempt';
  if (video.status === 'awaiting_upload') return 'not-uploaded';
  return null;
}
