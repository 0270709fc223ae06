// The web server's configuration, parsed once in main.ts. A wrong variable stops the boot with its name.
import { commonEnv } from '@reelforge/config';
import { z } from 'zod';

export const webEnv = z.object({
  ...commonEnv,
  /** upload-api: every `/v1/…` but `/v1/events` goes there. */
  API_URL: z.url(),
  /** events-ingest: `/v1/events` goes there. */
  EVENTS_URL: z.url(),
  /** The built app (index.html and assets/); defaults to the package's own `dist/public`. */
  STATIC_DIR: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(25_000),
});
export type WebEnv = z.infer<typeof webEnv>;
