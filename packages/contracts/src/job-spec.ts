// What the dispatcher hands a transcoder task (ECS container override or child-process env `JOB_SPEC`).
import { z } from 'zod';

export const TranscodeJobSpecV1 = z.object({
  version: z.literal(1),
  videoId: z.string().uuid(),
  attempt: z.number().int().min(1),
  source: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
  output: z.object({ bucket: z.string().min(1), prefix: z.string().min(1) }),
  profile: z.string().default('default'),
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
