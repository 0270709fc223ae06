// The one error handler: every failure leaves as application/problem+json. Faults (5xx) are logged with their
// cause; refusals (4xx) are the client's business and logged at debug.
import { PROBLEM_CONTENT_TYPE } from '@reelforge/contracts';
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

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => send(reply, req, err));
  app.setNotFoundHandler((req, reply) =>
    send(reply, req, Object.assign(new Error(`no route ${req.method} ${req.url.split('?')[0]}`), { statusCode: 404 })),
  );
}
