// The playback edge: GET/HEAD of the processed bucket's `videos/…` objects, path = object key, read from the store
// with the service's credentials and streamed back with ranges passed through. Plus /healthz and /metrics.
// Who may read, decided with no database call (as the CloudFront Function does in AWS): a plain path while the
// video's public marker exists, a `/t/{token}/…` path for an unexpired token signed for that video.
import type { S3Client } from '@aws-sdk/client-s3';
import { AppError, PROBLEM_CONTENT_TYPE, problemOf, toAppError } from '@reelforge/contracts';
import { type ObjectRead, publicMarkerKey, readObject, verifyPlaybackToken } from '@reelforge/storage';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { cacheControlFor, type PlaybackPath, parsePlaybackPath } from './playback.path.js';

export interface EdgeDeps {
  s3: S3Client;
  bucket: string;
  registry: Registry;
  logger: Logger;
  /** Playback token secrets, newest first (upload-api signs with the first). */
  tokenSecrets: readonly string[];
  nowMs?: () => number;
}

const notFound = () => new AppError('NOT_FOUND', 'no such file');

export async function buildApp(deps: EdgeDeps): Promise<FastifyInstance> {
  const requests = new Counter({
    name: 'reelforge_edge_requests_total',
    help: 'Playback requests answered, by method and status.',
    labelNames: ['method', 'status'],
    registers: [deps.registry],
  });
  const bytesServed = new Counter({
    name: 'reelforge_edge_bytes_total',
    help: 'Body bytes the edge announced (Content-Length) for 200/206 GETs.',
    registers: [deps.registry],
  });

  const tokenRefusals = new Counter({
    name: 'reelforge_edge_token_refusals_total',
    help: 'Playback requests refused for their token, by reason (expired, bad-signature, malformed).',
    labelNames: ['reason'],
    registers: [deps.registry],
  });

  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // A player fetches a segment every few seconds; errors are logged, successes counted.
    logController: new LogController({ disableRequestLogging: true }),
    // HEAD is answered from a HEAD to the store, not by running GET and dropping a body read for nothing.
    exposeHeadRoutes: false,
  });

  app.setErrorHandler((err, req, reply) => {
    const appError = toAppError(err);
    if (appError.status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(appError.status).type(PROBLEM_CONTENT_TYPE).send(problemOf(appError, req.url));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problemOf(notFound(), req.url)),
  );
  // Players on other origins (the web app, any site embedding a video) fetch playlists and segments by XHR. Any
  // origin may: a public file is public, and a private one needs the token in its path, never a cookie.
  app.addHook('onSend', async (req, reply) => {
    if (!isPlaybackUrl(req.url)) return;
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', 'content-length, content-range, accept-ranges, etag');
  });
  const preflight = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'GET, HEAD')
      .header('access-control-allow-headers', 'range')
      .header('access-control-max-age', '86400')
      .send();
  app.options('/videos/*', preflight);
  app.options('/t/*', preflight);

  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url === '/videos/*' || req.routeOptions.url === '/t/*')
      requests.inc({ method: req.method, status: String(reply.statusCode) });
  });

  const serve = {
    method: ['GET', 'HEAD'] as ('GET' | 'HEAD')[],
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      // The raw path, not fastify's decoded parameter: traversal is judged on what the client actually sent.
      const path = parsePlaybackPath((req.raw.url ?? '').split('?')[0] ?? '');
      if (!path) throw notFound();
      const { key } = path;
      await authorize(path);
      const headOnly = req.method === 'HEAD';
      // A multi-range request may be answered with the whole file (RFC 9110 §14.2); the store has no multipart ranges.
      const range = req.headers.range?.includes(',') ? undefined : req.headers.range;
      // A player that seeks away hangs up mid-request: stop asking the store too. (The request's own 'close' fires
      // as soon as its empty body is read, so the response's is the one that means "gone".)
      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      let read: Awaited<ReturnType<typeof readObject>>;
      try {
        read = await readObject(deps.s3, { bucket: deps.bucket, key }, { range, headOnly, signal: abort.signal });
      } catch (err) {
        throw new AppError('STORAGE_ERROR', 'the file could not be read; try again', { cause: err });
      }
      if (!read) throw notFound();
      reply.header('accept-ranges', 'bytes');
      if ('unsatisfiable' in read) {
        return reply
          .code(416)
          .header('content-range', `bytes */${read.unsatisfiable}`)
          .type(PROBLEM_CONTENT_TYPE)
          .send(problemOf(new AppError('BAD_REQUEST', 'the range lies outside the file', { status: 416 }), req.url));
      }
      writeHeaders(reply, key, read, path.token ? 'private' : 'public');
      if (!headOnly) bytesServed.inc(read.bytes);
      return headOnly ? reply.send() : reply.send(read.body);
    },
  };
  app.route({ ...serve, url: '/videos/*' });
  app.route({ ...serve, url: '/t/*' });

  /** Before anything of the video is read: a plain path needs its public marker, a token path a valid token. */
  async function authorize(path: PlaybackPath): Promise<void> {
    if (path.token === undefined) {
      const marker = await readObject(
        deps.s3,
        { bucket: deps.bucket, key: publicMarkerKey(path.videoId) },
        {
          headOnly: true,
        },
      ).catch((err: unknown) => {
        throw new AppError('STORAGE_ERROR', 'the file could not be read; try again', { cause: err });
      });
      // A private video's plain path answers as if it did not exist, as the API does for other users.
      if (!marker) throw notFound();
      return;
    }
    const now = Math.floor((deps.nowMs?.() ?? Date.now()) / 1000);
    const verdict = verifyPlaybackToken(deps.tokenSecrets, path.token, path.videoId, now);
    if (verdict.ok) return;
    tokenRefusals.inc({ reason: verdict.reason });
    if (verdict.reason === 'expired')
      throw new AppError('TOKEN_EXPIRED', 'this playback link has expired; ask for a new one');
    throw new AppError('TOKEN_INVALID', 'this playback link is not valid for this video');
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_req, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));
  return app;
}

const isPlaybackUrl = (url: string) => url.startsWith('/videos/') || url.startsWith('/t/');

function writeHeaders(reply: FastifyReply, key: string, read: ObjectRead, scope: 'public' | 'private') {
  reply
    .code(read.status)
    .header('content-type', read.contentType ?? 'application/octet-stream')
    .header('content-length', String(read.bytes))
    .header('cache-control', cacheControlFor(key, scope));
  if (read.contentRange) reply.header('content-range', read.contentRange);
  if (read.etag) reply.header('etag', read.etag);
  if (read.lastModified) reply.header('last-modified', read.lastModified.toUTCString());
}
