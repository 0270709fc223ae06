// The ingest HTTP app: POST /v1/events plus /healthz, /readyz and /metrics. Built from its dependencies so tests
// drive it with app.inject() and a real or in-memory publisher.

import { AppError, type EventBatchResult, PROBLEM_CONTENT_TYPE, problemOf } from '@reelforge/contracts';
import { API_KEY_PREFIX } from '@reelforge/db';
import { type ReadinessCheck, runChecks } from '@reelforge/observability';
import { type PlaybackSessionClaims, verifyPlaybackSession } from '@reelforge/storage/tokens';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ApiKeyLookup } from './api-key.cache.js';
import { type Batch, NDJSON_TYPES, parseJsonBatch, parseNdjsonBatch } from './batch.parser.js';
import { buildRecords } from './event.record.js';
import { type SessionBinding, validateBatch, validateMediaBatch } from './event.validator.js';
import { ingestMetrics } from './ingest.metrics.js';
import type { EventMessage } from './kafka.sender.js';
import { toIngestError } from './problem.reply.js';
import type { RateLimit } from './rate.limiter.js';

export interface IngestDeps {
  /** Resolves once every message is acknowledged by the brokers. */
  publish: (messages: EventMessage[]) => Promise<void>;
  pendingBytes: () => number;
  /** Verify playback session tokens, newest first (the API signs with the first). */
  sessionSecrets: readonly string[];
  /** The operator's API keys (`Bearer rfk_…`), for MediaEventV1 batches; cached (api-key.cache.ts). */
  apiKeys: ApiKeyLookup;
  /** Player events: per playback session, then per address. Analytics events: per API key. */
  rateLimits: { session: RateLimit; ip: RateLimit; apiKey: RateLimit };
  registry: Registry;
  /** What /metrics serves; the registry's own metrics unless the process is one of several (ingest.cluster.ts). */
  metrics?: () => Promise<string>;
  logger: Logger;
  checks: Record<string, ReadinessCheck>;
  bodyLimitBytes: number;
  maxEventsPerRequest: number;
  trustProxy?: boolean;
  now?: () => Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The playback session the request's token vouches for; set before the body is read. */
    session: PlaybackSessionClaims | null;
    /** Or the API key's id, when the request was sent with one (MediaEventV1 batches). */
    apiKeyId: string | null;
  }
}

export async function buildApp(deps: IngestDeps): Promise<FastifyInstance> {
  const now = deps.now ?? (() => new Date());
  const metrics = ingestMetrics(deps.registry, deps.pendingBytes);
  const exposition = deps.metrics ?? (() => deps.registry.metrics());
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // At thousands of requests a second, a log line per request costs more than the request; errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    trustProxy: deps.trustProxy ?? false,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, async (_req: unknown, body: Buffer) =>
    parseJsonBatch(body, deps.maxEventsPerRequest),
  );
  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'buffer' }, async (_req: unknown, body: Buffer) =>
    parseNdjsonBatch(body, deps.maxEventsPerRequest),
  );

  app.setErrorHandler((err, req, reply) => {
    const appError = toIngestError(err);
    if (appError.status >= 500) req.log.error({ err }, 'request failed');
    if (appError.retryable) reply.header('retry-after', '1');
    if (appError.status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(appError.status).type(PROBLEM_CONTENT_TYPE).send(problemOf(appError, req.url));
  });

  app.decorateRequest('session', null);
  app.decorateRequest('apiKeyId', null);

  /** Before the body is read: a request without a valid token costs no parsing. */
  const authenticate = async (req: FastifyRequest) => {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    if (token === undefined) {
      metrics.requestsRefused.inc({ reason: 'missing' });
      throw new AppError(
        'SESSION_INVALID',
        'send a playback session token, or an API key, as Authorization: Bearer {token}',
      );
    }
    if (token.startsWith(API_KEY_PREFIX)) {
      const id = await deps.apiKeys.authenticate(token).catch((err: unknown) => {
        throw new AppError('STORAGE_ERROR', 'the API key could not be checked; retry', { cause: err });
      });
      if (id === null) {
        metrics.requestsRefused.inc({ reason: 'api_key' });
        throw new AppError('API_KEY_INVALID', 'the API key is unknown or revoked');
      }
      req.apiKeyId = id;
      return;
    }
    const verdict = verifyPlaybackSession(deps.sessionSecrets, token, Math.floor(now().getTime() / 1000));
    if (!verdict.ok) {
      metrics.requestsRefused.inc({ reason: verdict.reason });
      if (verdict.reason === 'expired') {
        throw new AppError('SESSION_EXPIRED', 'the playback session has expired; start a new one');
      }
      throw new AppError('SESSION_INVALID', 'the playback session token is not valid');
    }
    req.session = verdict.session;
  };

  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url === '/v1/events') {
      metrics.requestDuration.observe({ status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    }
  });

  /**
   * Everything up to the Kafka wait, kept out of the handler so the body and its parsed events are garbage before
   * the handler awaits the acknowledgement: a request holds only its records across that wait, and
   * fewer objects survive into the old generation (at these rates the GC is a fifth of the CPU).
   */
  const judge = (req: FastifyRequest) => {
    const batch = req.body as Batch | undefined;
    if (batch === undefined) throw new AppError('UNSUPPORTED_INPUT', 'send application/json or application/x-ndjson');
    if (batch.items.length === 0) throw new AppError('BAD_REQUEST', 'the batch holds no events');
    req.body = undefined;
    metrics.batchSize.observe(batch.items.length);

    const receivedAt = now();
    const meta = { receivedAt, ip: req.ip, userAgent: req.headers['user-agent'] ?? null };
    const nowMs = receivedAt.getTime();
    const { rateLimits } = deps;
    const apiKeyId = req.apiKeyId;
    if (apiKeyId !== null) {
      const { accepted, rejected, rateLimited } = validateMediaBatch(batch.items, () =>
        rateLimits.apiKey.take(apiKeyId, nowMs),
      );
      metrics.events.inc({ outcome: 'invalid' }, rejected.length - rateLimited);
      metrics.events.inc({ outcome: 'rate_limited' }, rateLimited);
      const records = accepted.length === 0 ? [] : buildRecords(batch, accepted, { ...meta, apiKeyId });
      return { records, rejected, rateLimited };
    }
    const session = req.session as SessionBinding;
    const { ip } = req;
    // The session's allowance first: a session that is over it spends nothing of its address's.
    const admit = () => rateLimits.session.take(session.sessionId, nowMs) && rateLimits.ip.take(ip, nowMs);
    const { accepted, rejected, rateLimited } = validateBatch(batch.items, session, admit);
    metrics.events.inc({ outcome: 'invalid' }, rejected.length - rateLimited);
    metrics.events.inc({ outcome: 'rate_limited' }, rateLimited);
    const records = accepted.length === 0 ? [] : buildRecords(batch, accepted, meta);
    return { records, rejected, rateLimited };
  };

  app.post('/v1/events', { onRequest: authenticate }, async (req, reply) => {
    const { records, rejected, rateLimited } = judge(req);
    const accepted = records.length;
    if (accepted > 0) {
      try {
        await deps.publish(records);
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError('STORAGE_ERROR', 'the events could not be stored; retry the batch', { cause: err });
      }
      metrics.events.inc({ outcome: 'accepted' }, accepted);
    }

    const result: EventBatchResult = { accepted, rejected };
    if (rejected.length === 0) return reply.code(202).send(result);
    if (accepted > 0) return reply.code(207).send(result);
    if (rateLimited === rejected.length) return reply.code(429).header('retry-after', '1').send(result);
    return reply.code(400).send(result);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const checks = await runChecks(deps.checks);
    const ok = Object.values(checks).every((r) => r === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.registry.contentType).send(await exposition()));

  return app;
}
