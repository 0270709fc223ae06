// Wires the playback edge: env, S3 client, the HTTP app; closes with grace on SIGTERM.
import { loadEnv } from '@reelforge/config';
import { createLogger, createRegistry, onShutdown } from '@reelforge/observability';
import { createS3Client } from '@reelforge/storage';
import { buildApp } from './app.js';
import { edgeEnv } from './env.js';

const env = loadEnv(edgeEnv);
const logger = createLogger({ service: 'playback-edge', level: env.LOG_LEVEL });
const s3 = createS3Client({
  region: env.AWS_REGION,
  endpoint: env.S3_ENDPOINT,
  forcePathStyle: env.S3_FORCE_PATH_STYLE,
});
const app = await buildApp({
  s3,
  bucket: env.PROCESSED_BUCKET,
  registry: createRegistry('playback-edge'),
  logger,
  tokenSecrets: env.PLAYBACK_TOKEN_SECRETS,
});
await app.listen({ port: env.PORT, host: env.HOST });
logger.info({ port: env.PORT }, 'playback-edge started');

onShutdown(
  logger,
  [
    // Responses in flight (a segment being streamed) finish; then the store's sockets close.
    () => app.close(),
    async () => s3.destroy(),
  ],
  { timeoutMs: env.SHUTDOWN_GRACE_MS },
);
