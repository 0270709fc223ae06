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
   * In AWS: a session of the transcoder access role whose session policy allows reading `source` and writing under
   * `output.prefix`, nothing else. Absent for a local task, which runs with the operator's own credentials.
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
