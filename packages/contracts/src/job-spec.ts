// What the dispatcher hands a transcoder task (ECS container override or child-process env `JOB_SPEC`).
import { z } from 'zod';

export const TranscodeJobSpecV1 = z.object({
  version: z.literal(1),
  videoId: z.string().uuid(),
  attempt: z.number().int().min(1),
  source: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
  output: z.object({ bucket: z.string().min(1), prefix: z.string().min(1) }),
  profile: z.string().default('default'),
});
export type TranscodeJobSpecV1 = z.infer<typeof TranscodeJobSpecV1>;
