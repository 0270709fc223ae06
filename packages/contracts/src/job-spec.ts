// What the dispatcher hands a transcoder task (ECS container override or child-process env `JOB_SPEC`).
import { z } from 'zod';

/**
 * What one task of a job does. `whole`: the full ladder in one task (every short clip; the only kind before chunked
 * transcoding). With `chunking` set, a `whole` task whose probed source is longer than the threshold plans the job
 * instead: it reports the chunk plan on `video.transcode-started` and then does the `aux` part itself. `aux`: the
 * audio track encoded once (so chunk seams cannot click or drift), the poster and the storyboard. `chunk`: every
 * rung's video for one time range of the source. `stitch`: the attempt's chunks and aux muxed, by stream copy, into
 * the same layout a `whole` task writes, then `video.transcoded`.
 */
/** Which launch of the part this task is (1 first): echoed on its reports, so a late report of an earlier one is told apart. */
const PartAttempt = z.number().int().min(1).optional();

export const TaskPartV1 = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('whole') }),
  z.object({ kind: z.literal('aux'), partAttempt: PartAttempt }),
  z.object({
    kind: z.literal('chunk'),
    partAttempt: PartAttempt,
    index: z.number().int().min(0),
    count: z.number().int().min(2),
    /** On segment boundaries of the plan: [startSec, endSec) of the source's timeline, the last ends at its end. */
    startSec: z.number().min(0),
    endSec: z.number().positive(),
  }),
  z.object({ kind: z.literal('stitch'), count: z.number().int().min(2) }),
]);
export type TaskPartV1 = z.infer<typeof TaskPartV1>;

/** When and how a `whole` task splits its job (the dispatcher's configuration, carried so the task can plan). */
export const ChunkingV1 = z.object({
  /** Sources up to this long stay one task: for a short clip, chunking only adds start-up and stitch time. */
  thresholdSec: z.number().positive(),
  /** Target chunk length; each chunk is a whole number of segments. */
  chunkSec: z.number().positive(),
  maxChunks: z.number().int().min(2),
});
export type ChunkingV1 = z.infer<typeof ChunkingV1>;

export const TranscodeJobSpecV1 = z.object({
  version: z.literal(1),
  videoId: z.string().uuid(),
  attempt: z.number().int().min(1),
  source: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
  output: z.object({ bucket: z.string().min(1), prefix: z.string().min(1) }),
  profile: z.string().default('default'),
  /** Absent: `whole`, as every spec written before chunked transcoding. */
  part: TaskPartV1.optional(),
  /** Absent: never chunk. */
  chunking: ChunkingV1.optional(),
  /**
   * The job's secret (the job row's `job_token`): the task puts it on every report, and reports without it change
   * nothing. Required: a task that could not report would spend its whole deadline for nothing.
   */
  jobToken: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * In AWS: a presigned STS AssumeRole request (a GET URL) for the transcoder access role, its session policy
   * allowing only reading `source` and writing under the attempt's output prefix. The task calls it for its S3
   * session and again before each session's hour is up, so a job may outlast one session; the signature covers the
   * policy, so the task cannot widen it. `expiresAt`: when the URL stops working (the job's deadline, or sooner if
   * the dispatcher's own credentials expire first). Absent for a local task.
   */
  session: z.object({ assumeRoleUrl: z.string().url(), expiresAt: z.string().datetime() }).optional(),
  /**
   * Specs of dispatchers before `session`: one ready-made session of the access role, at most one hour long (role
   * chaining). Still read so a task launched by an older dispatcher keeps working.
   */
  credentials: z
    .object({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1),
      expiration: z.string().datetime().optional(),
    })
    .optional(),
});
export type TranscodeJobSpecV1 = z.infer<typeof TranscodeJobSpecV1>;
