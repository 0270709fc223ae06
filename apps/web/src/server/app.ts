// The web app's server: the built files, and `/v1` proxied so the browser sees one origin — `/v1/events` to the
// events ingest, the rest to upload-api — as CloudFront's behaviours do in AWS (the site bucket, `/v1/*` to the API).
// Plus /healthz and /metrics.
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import proxy from '@fastify/http-proxy';
import statics from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

export interface WebDeps {
  apiUrl: string;
  eventsUrl: string;
  staticDir: string;
  registry: Registry;
  logger: Logger;
}

export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  if (!existsSync(join(deps.staticDir, 'index.html'))) {
    throw new Error(`no built app in ${deps.staticDir} (run the package's build)`);
  }
  const requests = new Counter({
    name: 'reelforge_web_requests_total',
    help: 'Requests the web server answered, by what served them (static, api, events) and status.',
    labelNames: ['upstream', 'status'],
    registers: [deps.registry],
  });

  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  // An event stream never ends on its own, so closing would wait out the whole grace: at shutdown the streams are
  // cut (the SDK reconnects, to another instance) while other requests in flight finish.
  const streams = new Set<Socket>();
  app.addHook('onRequest', async (req) => {
    if (!req.headers.accept?.includes('text/event-stream')) return;
    const socket = req.raw.socket;
    streams.add(socket);
    socket.once('close', () => streams.delete(socket));
  });
  app.addHook('preClose', async () => {
    for (const socket of streams) socket.destroy();
  });

  app.addHook('onResponse', async (req, reply) => {
    const url = req.url;
    const upstream = url.startsWith('/v1/events') ? 'events' : url.startsWith('/v1/') ? 'api' : 'static';
    if (url !== '/healthz' && url !== '/metrics') requests.inc({ upstream, status: String(reply.statusCode) });
  });

  // The more specific prefix is registered first; fastify's router prefers the exact static route either way.
  await app.register(proxy, { upstream: deps.eventsUrl, prefix: '/v1/events', rewritePrefix: '/v1/events' });
  await app.register(proxy, { upstream: deps.apiUrl, prefix: '/v1', rewritePrefix: '/v1' });

  await app.register(statics, {
    root: deps.staticDir,
    // Vite names assets by content hash, so they never change; index.html must be re-read to find new ones.
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // The app routes in the browser (history API): any other GET page is index.html.
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/v1/') && !req.url.startsWith('/assets/')) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.code(404).send({ code: 'NOT_FOUND', title: 'Not Found', status: 404, detail: 'no such page' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_req, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));
  return app;
}
