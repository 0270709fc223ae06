// Every Kafka message Reelforge publishes. A schema and its type share a name; a breaking change adds V2 beside V1.
import { z } from 'zod';

const VideoId = z.string().uuid();
const Attempt = z.number().int().min(1);
const S3Location = z.object({ bucket: z.string().min(1), key: z.string().min(1) });
/**
 * The job's secret from its job spec, on every report of a transcoder task: a report whose token is not that of the
 * job row of its (video, attempt) changes nothing. Optional only so that the schema stays V1; a report without it is
 * refused like a wrong one. A message field rather than a Kafka header because reports also travel through the
 * outbox (the reaper's TASK_LOST), which carries payloads, not headers.
 */
export const JobToken = z.string().max(128);
/** Wall seconds a task ran, from its start to its report: what the attempt cost in compute (issue #20). */
const TaskSeconds = z.number().nonnegative();

export const VideoUploadedV1 = z.object({
  version: z.literal(1),
  videoId: VideoId,
  attempt: Attempt,
  source: S3Location,
  bytes: z.number().int().nonnegative(),
  /**
   * Hex SHA-256 of the original when it was computed on the way in (uploads streamed through the API); null for a
   * direct-to-S3 upload, whose bytes the API never reads (S3 has no full-object SHA-256 of a multipart upload).
   */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  contentType: z.string(),
  ownerId: z.string().min(1),
  uploadedAt: z.string().datetime(),
});
export type VideoUploadedV1 = z.infer<typeof VideoUploadedV1>;

export const RenditionV1 = z.object({
  name: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bitrateKbps: z.number().int().positive(),
  codecs: z.string(),
  mp4Key: z.string(),
  playlistKey: z.string(),
  bytes: z.number().int().nonnegative(),
});
export type RenditionV1 = z.infer<typeof RenditionV1>;

export const ThumbnailsV1 = z.object({
  spriteKey: z.string(),
  vttKey: z.string(),
  intervalSec: z.number().positive(),
  tileWidth: z.number().int().positive(),
  tileHeight: z.number().int().positive(),
});
export type ThumbnailsV1 = z.infer<typeof ThumbnailsV1>;

export const VideoTranscodedV1 = z.object({
  version: z.literal(1),
  videoId: VideoId,
  attempt: Attempt,
  jobToken: JobToken.optional(),
  renditions: z.array(RenditionV1).min(1),
  hlsMasterKey: z.string(),
  posterKey: z.string(),
  thumbnails: ThumbnailsV1,
  durationSec: z.number().nonnegative(),
  source: z.object({ width: z.number().int(), height: z.number().int(), hasAudio: z.boolean() }).optional(),
  /** Wall seconds the reporting task ran (for a chunked job: the stitch task's; each part reports its own). */
  taskSeconds: TaskSeconds.optional(),
});
export type VideoTranscodedV1 = z.infer<typeof VideoTranscodedV1>;

export const VideoTranscodeFailedV1 = z.object({
  version: z.literal(1),
  videoId: VideoId,
  attempt: Attempt,
  jobToken: JobToken.optional(),
  code: z.string().min(1),
  message: z.string(),
  retryable: z.boolean(),
  taskSeconds: TaskSeconds.optional(),
});
export type VideoTranscodeFailedV1 = z.infer<typeof VideoTranscodeFailedV1>;

export const VideoTranscodeProgressV1 = z.object({
  version: z.literal(1),
  videoId: VideoId,
  attempt: Attempt,
  jobToken: JobToken.optional(),
  percent: z.number().min(0).max(100),
});
export type VideoTranscodeProgressV1 = z.infer<typeof VideoTranscodeProgressV1>;

/**
 * The task probed and accepted its source and is about to encode: the first moment anyone knows how long the video
 * is. The dispatcher sizes the job's deadline from it; the API shows the duration before the video is ready.
 */
export const VideoTranscodeStartedV1 = z.object({
  version: z.literal(1),
  videoId: VideoId,
  attempt: Attempt,
  jobToken: JobToken.optional(),
  durationSec: z.number().positive(),
  /** Frames the encode will produce: the duration × the planned output frame rate; null if that is unknown. */
  frameCount: z.number().int().nonnegative().nullable(),
  /** As displayed (rotation applied, square pixels). */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** When the task began (before its download), by the task's clock. */
  startedAt: z.string().datetime(),
  /**
   * Present when the source is over the job's chunking threshold: the job is these chunks (plus the `aux` part the
   * planning task goes on to do itself), not one task. Contiguous from 0, on segment boundaries.
   */
  chunks: z
    .array(z.object({ index: z.number().int().min(0), startSec: z.number().min(0), endSec: z.number().positive() }))
    .min(2)
    .optional(),
  /**
   * Hex SHA-256 of the source as the task downloaded it. The dispatcher records it on a video that has none (a direct
   * upload, whose bytes the API never reads), never over one computed at upload. Absent from older transcoders.
   */
  sourceSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type VideoTranscodeStartedV1 = z.infer<typeof VideoTranscodeStartedV1>;

/** A part of a chunked job, as its reports name it: the `aux` part, or chunk `index`. */
export const ChunkPartV1 = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('aux') }),
  z.object({ kind: z.literal('chunk'), index: z.number().int().min(0) }),
]);
export type ChunkPartV1 = z.infer<typeof ChunkPartV1>;

/** One part of a chunked job is written under `chunks/` of its attempt's prefix; the stitch reads it from there. */
export const VideoChunkTranscodedV1 = z.object({
  version: z.literal(1),
  videoId: VideoId,
  attempt: Attempt,
  jobToken: JobToken.optional(),
  part: ChunkPartV1,
  /** The spec's `part.partAttempt`, echoed: a report of an earlier launch of the part changes nothing. */
  partAttempt: z.number().int().min(1).optional(),
  taskSeconds: TaskSeconds,
});
export type VideoChunkTranscodedV1 = z.infer<typeof VideoChunkTranscodedV1>;

/** One part failed; a retryable failure relaunches that part alone (up to its own limit), not the video. */
export const VideoChunkFailedV1 = z.object({
  version: z.literal(1),
  videoId: VideoId,
  attempt: Attempt,
  jobToken: JobToken.optional(),
  part: ChunkPartV1,
  partAttempt: z.number().int().min(1).optional(),
  code: z.string().min(1),
  message: z.string(),
  retryable: z.boolean(),
  taskSeconds: TaskSeconds.optional(),
});
export type VideoChunkFailedV1 = z.infer<typeof VideoChunkFailedV1>;
/** Every status a video row takes, and `deleted` for its removal (it has no row then). */
export const VideoLifecycleStatus = z.enum([
  'awaiting_upload',
  'uploaded',
  'queued',
  'processing',
  'ready',
  'failed',
  'deleted',
]);
export type VideoLifecycleStatus = z.infer<typeof VideoLifecycleStatus>;

/**
 * A video changed status: written through the outbox in the transaction that changed it, by whichever service did
 * (the video repository writes it, so no caller can forget). The public integration point: webhooks, and any
 * consumer (search, analytics) that follows videos.
 */
export const VideoStatusChangedV1 = z.object({
  version: z.literal(1),
  /** Unique per change and fixed when it is written: redeliveries of the message carry the same one. */
  eventId: z.string().uuid(),
  videoId: VideoId,
  ownerId: z.string().min(1),
  /** null when the video was created in `to`. */
  from: VideoLifecycleStatus.nullable(),
  to: VideoLifecycleStatus,
  attempt: Attempt,
  /** When `to` is failed: the code and the message the owner reads in the API. */
  error: z.object({ code: z.string().min(1), message: z.string() }).nullable(),
  occurredAt: z.string().datetime(),
});
export type VideoStatusChangedV1 = z.infer<typeof VideoStatusChangedV1>;
