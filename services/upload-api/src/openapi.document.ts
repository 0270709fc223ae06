// The OpenAPI document as the routes generate it, without any running dependency: the app is built on clients
// that never connect. `pnpm --filter @reelforge/upload-api openapi` writes it to openapi.json; a test keeps the
// checked-in file equal to it.
import { createDb } from '@reelforge/db';
import { createLogger, createRegistry } from '@reelforge/observability';
import { createS3Client } from '@reelforge/storage';
import { type AppConfig, type AppDeps, buildApp } from './app.js';

export const placeholderConfig: AppConfig = {
  jwtSecret: 'openapi-generation-only-not-a-real-secret',
  jwtTtlSec: 3600,
  rawBucket: 'raw',
  processedBucket: 'processed',
  readUrlTtlSec: 3600,
  playbackSession: { secrets: ['openapi-generation-only-not-a-real-secret'], ttlSec: 3600 },
  maxUploadBytes: 20 * 1024 ** 3, // MAX_UPLOAD_BYTES's default: the checked-in document states it
  directUploadTtlSec: 3600,
  bodyLimitBytes: 64 * 1024,
  trustProxyHops: 0,
  rateLimit: { windowSec: 60, ipMax: 100, userMax: 100, authMax: 10 },
  quotas: { streamingUploads: 2, openDirectUploads: 5, unfinishedVideos: 20, dailyUploadBytes: 50 * 1024 ** 3 },
  maxConcurrentUploads: 32,
  uploadIdleTimeoutMs: 30_000,
  live: { maxSubscribers: 1000, heartbeatMs: 15_000, resyncMs: 30_000 },
  cache: { keyPrefix: 'openapi:', ttlSec: 30 },
  // The default, which the trending route's description names.
  trendingWindowSec: 72 * 3600,
  webhooks: { allowTargets: [], secretGraceSec: 24 * 3600 },
};

/** An app on clients that point nowhere: enough for inject() on routes that touch no dependency. */
export function buildOfflineApp(
  config: Partial<AppConfig> = {},
  checks: Pick<AppDeps, 'readiness' | 'optionalReadiness'> = {},
) {
  return buildApp({
    ...checks,
    config: { ...placeholderConfig, ...config },
    logger: createLogger({ service: 'upload-api', level: 'silent' }),
    registry: createRegistry('upload-api'),
    db: createDb({ url: 'mysql://nobody:nothing@127.0.0.1:9/none', poolSize: 1 }),
    s3: createS3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'none', secretAccessKey: 'none' },
    }),
  });
}

export async function generateOpenApi(): Promise<Record<string, unknown>> {
  const app = await buildOfflineApp();
  try {
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

/** Stable text for the checked-in file. */
export const openApiText = (doc: Record<string, unknown>) => `${JSON.stringify(doc, null, 2)}\n`;
