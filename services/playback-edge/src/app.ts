// The playback edge: GET/HEAD of the processed bucket's `videos/…` objects, path = object key, read from the store
// with the service's credentials and streamed back with ranges passed through. Plus /healthz and /metrics.
import type { S3Client } from '@aws-sdk/client-s3';
import { AppError, PROBLEM_CONTENT_TYPE, problemOf, toAppError } from '@reelforge/contracts';
import { type ObjectRead, readObject } from '@reelforge/storage';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { cacheControlFor, playbackKey } from './playback.path.js';

export interface EdgeDeps {
  s3: S3Client;
  bucket: string;
  registry: Registry;
  logger: Logger;
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
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url === '/videos/*') requests.inc({ method: req.method, status: String(reply.statusCode) });
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/videos/*',
    handler: async (req, reply) => {
      // The raw path, not fastify's decoded parameter: traversal is judged on what the client actually sent.
      const key = playbackKey((req.raw.url ?? '').split('?')[0] ?? '');
      if (!key) throw notFound();
      // A playback token (a later issue) is checked here, before anything is read from the store.
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
      writeHeaders(reply, key, read);
      if (!headOnly) bytesServed.inc(read.bytes);
      return headOnly ? reply.send() : reply.send(read.body);
    },
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_req, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));
  return app;
}

function writeHeaders(reply: FastifyReply, key: string, read: ObjectRead) {
  reply
    .code(read.status)
    .header('content-type', read.contentType ?? 'application/octet-stream')
    .header('content-length', String(read.bytes))
    .header('cache-control', cacheControlFor(key));
  if (read.contentRange) reply.header('content-range', read.contentRange);
  if (read.etag) reply.header('etag', read.etag);
  if (read.lastModified) reply.header('last-modified', read.lastModified.toUTCString());
}
