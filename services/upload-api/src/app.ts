// The upload API as a fastify instance: external plugins, then repositories and services, then routes. main.ts
// builds the adapters and listens; tests call buildApp with their own and use app.inject().
import type { S3Client } from '@aws-sdk/client-s3';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import {
  type Database,
  type Kysely,
  LikeRepository,
  OutboxRepository,
  RecommendationRepository,
  RenditionRepository,
  UploadQuotaRepository,
  UserRepository,
  VideoRepository,
  WebhookRepository,
} from '@reelforge/db';
import type { ReadinessCheck } from '@reelforge/observability';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { authPlugin } from './auth/auth.plugin.js';
import { authRoutes } from './auth/auth.routes.js';
import { meRoutes } from './auth/me.routes.js';
import { ReadCache } from './cache/read.cache.js';
import { feedRoutes } from './feed/feed.routes.js';
import { FeedService } from './feed/feed.service.js';
import { createApiMetrics, liveSubscribersGauge } from './http/api.metrics.js';
import { installErrorHandling } from './http/error.handler.js';
import { swaggerOptions } from './http/openapi.js';
import { opsRoutes } from './http/ops.routes.js';
import { rateLimitPlugin } from './http/rate-limit.plugin.js';
import { likeRoutes } from './likes/like.routes.js';
import { LikeService } from './likes/like.service.js';
import { directUploadRoutes } from './upload/direct-upload.routes.js';
import { DirectUploadService } from './upload/direct-upload.service.js';
import { MultipartStore } from './upload/multipart.store.js';
import { StreamUploadService } from './upload/stream-upload.service.js';
import type { QuotaLimits } from './upload/upload-quota.policy.js';
import { UploadQuotaService } from './upload/upload-quota.service.js';
import type { FargatePrices } from './videos/compute.estimate.js';
import { LiveStatusHub } from './videos/live-status.hub.js';
import { type PlaybackAccess, StoreMarkerAccess } from './videos/playback.access.js';
import { type PlaybackSessionConfig, PlaybackSessionIssuer } from './videos/playback-session.issuer.js';
import { playbackSessionRoutes } from './videos/playback-session.routes.js';
import { playbackLinks } from './videos/video.presenter.js';
import { videoRoutes } from './videos/video.routes.js';
import { VideoService } from './videos/video.service.js';
import { videoEventsRoutes } from './videos/video-events.routes.js';
import { webhookRoutes } from './webhooks/webhook.routes.js';
import { type WebhookConfig, WebhookService } from './webhooks/webhook.service.js';

export interface AppConfig {
  jwtSecret: string;
  jwtTtlSec: number;
  rawBucket: string;
  processedBucket: string;
  cdnBaseUrl?: string | undefined;
  readUrlTtlSec: number;
  /** Signs private videos' playback tokens, newest first (required with a CDN). */
  playbackTokenSecrets?: string[];
  /** Signs playback session tokens for the events ingest. */
  playbackSession: PlaybackSessionConfig;
  maxUploadBytes: number;
  directUploadTtlSec: number;
  bodyLimitBytes: number;
  trustProxyHops: number;
  rateLimit: { windowSec: number; ipMax: number; userMax: number; authMax: number };
  /** Per user, counted in MySQL (so across replicas). */
  quotas: QuotaLimits;
  /** Streamed uploads one instance takes at once. */
  maxConcurrentUploads: number;
  /** A streamed upload body silent for this long is cut off. */
  uploadIdleTimeoutMs: number;
  /** Live status streams (GET /v1/videos/:id/events) of this instance. */
  live: { maxSubscribers: number; heartbeatMs: number; resyncMs: number };
  cache: { keyPrefix: string; ttlSec: number };
  trendingWindowSec: number;
  webhooks: WebhookConfig;
  /** What an owner's read of a video estimates its compute at; default: us-east-1 on-demand, Linux/x86. */
  fargatePrices?: FargatePrices;
}

export const defaultFargatePrices: FargatePrices = { vcpuHourUsd: 0.04048, gbHourUsd: 0.004445 };

export interface AppDeps {
  config: AppConfig;
  logger: Logger;
  registry: Registry;
  db: Kysely<Database>;
  s3: S3Client;
  /** The cache of hot reads; absent: none. */
  redis?: Redis | undefined;
  /** Where visibility reaches the playback edge; default: marker objects in the processed bucket (the local edge). */
  access?: PlaybackAccess;
  /** Must pass for /readyz (MySQL, S3). */
  readiness?: Record<string, ReadinessCheck>;
  /** Reported by /readyz without failing it (Kafka). */
  optionalReadiness?: Record<string, ReadinessCheck>;
}

declare module 'fastify' {
  interface FastifyInstance {
    liveStatus: LiveStatusHub;
  }
}

export async function buildApp(deps: AppDeps) {
  const { config, logger, registry, db, s3 } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // Behind N proxies the client's address is N hops back in X-Forwarded-For; the per-IP limit needs the real
    // one. Trusting more hops than exist would let a client pick its own address.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    // Ids come from the caller's load balancer when it sends one, so a request can be followed across services.
    requestIdHeader: 'x-request-id',
    // Long uploads are one request; a slow client must not be cut off by a generic timeout. A stalled one is: the
    // upload route watches its body for idleness (uploadIdleTimeoutMs).
    requestTimeout: 0,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);

  // External plugins. Helmet's default CSP (scripts and styles from 'self') suits Swagger UI, which loads its
  // scripts as files and its document from /docs/json.
  await app.register(fastifyHelmet);
  await app.register(fastifySwagger, swaggerOptions);
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimitPlugin, { ipMax: config.rateLimit.ipMax, windowSec: config.rateLimit.windowSec });
  await app.register(fastifyMultipart, {
    limits: {
      fieldNameSize: 100,
      fieldSize: 64 * 1024,
      fields: 10,
      fileSize: config.maxUploadBytes,
      files: 1,
      parts: 12,
      headerPairs: 100,
    },
  });
  await app.register(authPlugin, {
    jwtSecret: config.jwtSecret,
    jwtTtlSec: config.jwtTtlSec,
    userRateLimit: { max: config.rateLimit.userMax, windowSec: config.rateLimit.windowSec },
  });

  // Requests that were in flight when close() began must not leave their keep-alive connection open behind them,
  // or close() waits for the client to hang up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  const metrics = createApiMetrics(registry);
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  // Repositories and services.
  const users = new UserRepository(db);
  const videos = new VideoRepository(db);
  const outbox = new OutboxRepository(db);
  const renditions = new RenditionRepository(db);
  const likes = new LikeRepository(db);
  const cache = new ReadCache({ redis: deps.redis, ...config.cache, logger, registry });
  const objects = new MultipartStore(s3);
  const quotas = new UploadQuotaService({
    db,
    quotas: new UploadQuotaRepository(db),
    limits: config.quotas,
    maxUploadBytes: config.maxUploadBytes,
    logger,
  });
  const shared = { db, videos, outbox, objects, rawBucket: config.rawBucket, metrics, logger };
  const streamUploads = new StreamUploadService({ ...shared, s3, maxUploadBytes: config.maxUploadBytes });
  const directUploads = new DirectUploadService({
    ...shared,
    quotas,
    maxUploadBytes: config.maxUploadBytes,
    ttlSec: config.directUploadTtlSec,
  });
  const videoService = new VideoService({
    db,
    access: deps.access ?? new StoreMarkerAccess(s3, config.processedBucket),
    videos,
    likes,
    cache,
    renditions,
    objects,
    s3,
    rawBucket: config.rawBucket,
    processedBucket: config.processedBucket,
    prices: config.fargatePrices ?? defaultFargatePrices,
    links: playbackLinks({
      s3,
      bucket: config.processedBucket,
      cdnBaseUrl: config.cdnBaseUrl,
      ttlSec: config.readUrlTtlSec,
      tokenSecrets: config.playbackTokenSecrets,
    }),
  });

  // Fed by main.ts's live status consumer (app.liveStatus); without one it still follows videos by re-reading them.
  const liveStatus = new LiveStatusHub({
    videos,
    present: (video) => videoService.present(video),
    logger: logger.child({ component: 'live-status' }),
    ...config.live,
  });
  app.decorate('liveStatus', liveStatus);
  liveSubscribersGauge(registry, () => liveStatus.subscribers);
  const likeService = new LikeService({ db, videos, likes, outbox, cache });
  const feed = new FeedService({
    videos,
    likes,
    recommendations: new RecommendationRepository(db),
    present: videoService,
    cache,
    trendingWindowSec: config.trendingWindowSec,
  });

  // Routes.
  await app.register(opsRoutes, {
    registry,
    required: deps.readiness ?? {},
    optional: deps.optionalReadiness ?? {},
  });
  await app.register(authRoutes, {
    users,
    jwtTtlSec: config.jwtTtlSec,
    rateLimit: { max: config.rateLimit.authMax, windowSec: config.rateLimit.windowSec },
  });
  await app.register(videoRoutes, {
    videos: videoService,
    uploads: streamUploads,
    quotas,
    maxUploadBytes: config.maxUploadBytes,
    maxConcurrentUploads: config.maxConcurrentUploads,
    uploadIdleTimeoutMs: config.uploadIdleTimeoutMs,
  });
  await app.register(directUploadRoutes, {
    uploads: directUploads,
    videos: videoService,
    maxUploadBytes: config.maxUploadBytes,
  });
  await app.register(playbackSessionRoutes, {
    sessions: new PlaybackSessionIssuer(videos, config.playbackSession),
  });
  await app.register(videoEventsRoutes, { live: liveStatus });
  await app.register(meRoutes, { users, cache });
  await app.register(feedRoutes, { feed, trendingWindowSec: config.trendingWindowSec });
  await app.register(likeRoutes, { likes: likeService });
  await app.register(webhookRoutes, {
    webhooks: new WebhookService({ webhooks: new WebhookRepository(db), config: config.webhooks }),
  });
  await app.ready();
  return app;
}
