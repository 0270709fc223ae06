// What one launch is made of: the job spec from the video row and the idempotency token of (videoId, attempt).
// Both are deterministic, so a relaunch after a crash repeats the first call exactly (ECS refuses a reused
// clientToken whose parameters differ).
import type { ChunkingV1, TaskPartV1, TranscodeJobSpecV1 } from '@reelforge/contracts';
import { MAX_LAUNCH_TOKEN, type PartKind } from '@reelforge/db';
import { outputPrefix } from '@reelforge/storage';
import type { LaunchRequest } from './task.launcher.js';

/**
 * `rf-<videoId>-a<attempt>`: readable in the ECS console, unique per attempt, 51 characters at most. After a launch
 * that found no capacity (no task started, so nothing to double) `-w<waits>`, so ECS does not answer the retry with
 * the failure it remembers for the token.
 */
export function launchToken(videoId: string, attempt: number, capacityWaits = 0): string {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer`);
  const token = `rf-${videoId}-a${attempt}${capacityWaits > 0 ? `-w${capacityWaits}` : ''}`;
  if (token.length > MAX_LAUNCH_TOKEN) throw new RangeError(`launch token longer than ${MAX_LAUNCH_TOKEN}: ${token}`);
  return token;
}

/**
 * A part's token: the job's, then the part (`-x` aux, `-c<index>` chunk, `-s` stitch) and its part-attempt, so a
 * relaunched part is a new task and a recovered launch of the same part-attempt is the same one.
 */
export function partLaunchToken(
  videoId: string,
  attempt: number,
  part: { kind: PartKind; chunkIndex: number; partAttempt: number },
  capacityWaits = 0,
): string {
  const which = part.kind === 'chunk' ? `c${part.chunkIndex}` : part.kind === 'aux' ? 'x' : 's';
  const token = `${launchToken(videoId, attempt)}-${which}-p${part.partAttempt}${capacityWaits > 0 ? `-w${capacityWaits}` : ''}`;
  if (token.length > MAX_LAUNCH_TOKEN) throw new RangeError(`launch token longer than ${MAX_LAUNCH_TOKEN}: ${token}`);
  return token;
}

export interface SourceVideo {
  id: string;
  sourceBucket: string | null;
  sourceKey: string | null;
}

/** What the task does: a first task is `whole` and may plan chunks (`chunking`); a part's task does that part. */
export interface SpecPart {
  part?: TaskPartV1;
  chunking?: ChunkingV1;
}

export function buildJobSpec(
  video: SourceVideo,
  job: { attempt: number; jobToken: string },
  processedBucket: string,
  what: SpecPart = {},
): TranscodeJobSpecV1 {
  const { attempt } = job;
  if (!video.sourceBucket || !video.sourceKey) {
    throw new TypeError(`video ${video.id} has no stored source to transcode`);
  }
  return {
    version: 1,
    videoId: video.id,
    attempt,
    source: { bucket: video.sourceBucket, key: video.sourceKey },
    output: { bucket: processedBucket, prefix: outputPrefix(video.id, attempt) },
    profile: 'default',
    ...(what.part ? { part: what.part } : {}),
    ...(what.chunking ? { chunking: what.chunking } : {}),
    jobToken: job.jobToken,
  };
}

export function buildLaunchRequest(
  job: { id: string; attempt: number; launchToken: string | null; capacityWaits: number; jobToken: string },
  video: SourceVideo,
  processedBucket: string,
  chunking?: ChunkingV1,
): LaunchRequest {
  return {
    jobId: job.id,
    spec: buildJobSpec(video, job, processedBucket, chunking ? { part: { kind: 'whole' }, chunking } : {}),
    // A re-claimed job keeps the token of its first claim; the derivation gives the same one anyway.
    token: job.launchToken ?? launchToken(video.id, job.attempt, job.capacityWaits),
  };
}
