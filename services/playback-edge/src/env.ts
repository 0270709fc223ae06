// The playback edge's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import { commonEnv, s3Env, signingSecrets } from '@reelforge/config';
import { z } from 'zod';

export const edgeEnv = z.object({
  ...commonEnv,
  AWS_REGION: s3Env.AWS_REGION,
  S3_ENDPOINT: s3Env.S3_ENDPOINT,
  S3_FORCE_PATH_STYLE: s3Env.S3_FORCE_PATH_STYLE,
  /** The only bucket it reads; its name never appears in a reply. */
  PROCESSED_BUCKET: s3Env.PROCESSED_BUCKET,
  /** Verifies private videos' playback tokens: upload-api's PLAYBACK_TOKEN_SECRETS, newest first. */
  PLAYBACK_TOKEN_SECRETS: signingSecrets,
  PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  HOST: z.string().min(1).default('0.0.0.0'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(25_000),
});
export type EdgeEnv = z.infer<typeof edgeEnv>;
