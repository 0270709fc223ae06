// The one error handler: every failure leaves as application/problem+json. Faults (5xx) are logged with their
// cause; refusals (4xx) are the client's business and logged at debug. A known path asked with a method it does not
// have is a 405 with `Allow` (RFC 9110), not a 404.
import { AppError, PROBLEM_CONTENT_TYPE } from '@reelforge/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toAppError, toProblem } from './problem.mapper.js';

const send = (reply: FastifyReply, req: FastifyRequest, err: unknown) => {
  const problem = toProblem(err, req.url.split('?')[0] ?? req.url);
  const { retryAfterSec } = toAppError(err);
  if (retryAfterSec !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSec))));
  if (problem.status >= 500) req.log.error({ err }, 'request failed');
  else req.log.debug({ code: problem.code, detail: problem.detail }, 'request refused');
  // Pre-serialised: a route's response schema must never get a chance to turn an error into another error.
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
};

/** The methods of every route, by a matcher of its path (`:param` matches one segment; `*` the rest). */
function methodsByPath(app: FastifyInstance) {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    let entry = routes.get(route.url);
    if (!entry) {
      const source = route.url
        .split(/(:[A-Za-z0-9_]+|\*)/)
        .map((piece) =>
          piece === '*' ? '.*' : piece.startsWith(':') ? '[^/]+' : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      entry = { pattern: new RegExp(`^${source}$`), methods: new Set() };
      routes.set(route.url, entry);
    }
    for (const method of [route.method].flat()) entry.methods.add(method);
  });
  return (path: string) => {
    const allowed = new Set<string>();
    for (const { pattern, methods } of routes.values()) {
      if (pattern.test(path)) for (const m of methods) allowed.add(m);
    }
    return [...allowed].sort();
  };
}

export function installErrorHandling(app: FastifyInstance): void {
  const allowedMethods = methodsByPath(app);
  app.setErrorHandler((err, req, reply) => send(reply, req, err));
  // In onRequest, before fastify parses a body the unmatched method may carry (QUERY, TRACE with a body).
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404 !== true) return;
    const allow = allowedMethods(req.url.split('?')[0] ?? req.url);
    if (allow.length === 0) return;
    reply.header('allow', allow.join(', '));
    throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow.join(', ')}`);
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, req, Object.assign(new Error(`no route ${req.method} ${req.url.split('?')[0]}`), { statusCode: 404 })),
  );
}
