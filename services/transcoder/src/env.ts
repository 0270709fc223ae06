// The transcoder's configuration, parsed once at start-up. Task mode needs Kafka, S3 and its job; CLI mode only the
// limits, so both share the `transcodeEnv` fragment.
import { tmpdir } from 'node:os';
import { commonEnv, kafkaEnv, s3Env } from '@reelforge/config';
import { TranscodeJobSpecV1 } from '@reelforge/contracts';
import { defaultInputLimits, defaultProfile, type InputLimits } from '@reelforge/media';
import { z } from 'zod';

export const transcodeEnv = {
  MAX_INPUT_BYTES: z.coerce.number().int().positive().default(defaultInputLimits.maxBytes),
  MAX_DURATION_SEC: z.coerce.number().positive().default(defaultInputLimits.maxDurationSec),
  MAX_PIXELS: z.coerce.number().int().positive().default(defaultInputLimits.maxPixels),
  MAX_STREAMS: z.coerce.number().int().positive().default(defaultInputLimits.maxStreams),
  /** Longest side of any rendition; 4096 is where mainstream hardware decoders stop. */
  MAX_OUTPUT_SIDE: z.coerce.number().int().min(64).default(defaultProfile.maxLongSide),
  /** x264 threads per rung; 0 lets x264 size itself to the cores it sees. */
  FFMPEG_THREADS: z.coerce.number().int().min(0).default(0),
  /** Whole ffmpeg run; a 4 h upload at 1.5× real time still fits. */
  TRANSCODE_TIMEOUT_SEC: z.coerce
    .number()
    .int()
    .positive()
    .default(6 * 3600),
};

const jobSpec = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'JSON of a TranscodeJobSpecV1' });
      return z.NEVER;
    }
  })
  .pipe(TranscodeJobSpecV1);

export const TaskEnv = z.object({
  ...commonEnv,
  ...kafkaEnv,
  // The buckets come with each job, so only the client settings of s3Env.
  AWS_REGION: s3Env.AWS_REGION,
  S3_ENDPOINT: s3Env.S3_ENDPOINT,
  S3_FORCE_PATH_STYLE: s3Env.S3_FORCE_PATH_STYLE,
  ...transcodeEnv,
  SCRATCH_DIR: z.string().min(1).default(tmpdir()),
  JOB_SPEC: jobSpec,
});
export type TaskEnv = z.infer<typeof TaskEnv>;

export const CliEnv = z.object({
  ...transcodeEnv,
  // Silent unless asked: stderr is where a refusal's one JSON object goes.
  LOG_LEVEL: commonEnv.LOG_LEVEL.unwrap().default('silent'),
});
export type CliEnv = z.infer<typeof CliEnv>;

export const limitsFromEnv = (env: z.infer<z.ZodObject<typeof transcodeEnv>>): InputLimits => ({
  maxBytes: env.MAX_INPUT_BYTES,
  maxDurationSec: env.MAX_DURATION_SEC,
  maxPixels: env.MAX_PIXELS,
  maxStreams: env.MAX_STREAMS,
});
