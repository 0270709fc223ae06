// /healthz (the process answers), /readyz (its dependencies answer), /metrics and /openapi.json.
import { type ReadinessCheck, runChecks } from '@reelforge/observability';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';

export interface OpsRoutesOptions {
  registry: Registry;
  /** Each must pass for the API to be ready (MySQL, S3). */
  required: Record<string, ReadinessCheck>;
  /**
   * Reported but not required: uploads keep working through the outbox while Kafka is down, so taking the API out
   * of the load balancer for it would turn a delay into an outage.
   */
  optional: Record<string, ReadinessCheck>;
}

// Anyone can ask, so the answer is ready or not; which dependency failed, and why, goes to the log.
const Readiness = z.object({ status: z.enum(['ok', 'unavailable']) });

function logFailures(log: FastifyBaseLogger, results: Record<string, string>, required: boolean): void {
  for (const [dependency, result] of Object.entries(results)) {
    if (result !== 'ok') log.warn({ dependency, required, reason: result }, 'readiness check failed');
  }
}

export const opsRoutes: FastifyPluginAsyncZod<OpsRoutesOptions> = async (app, opts) => {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: { tags: ['ops'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['ops'],
        summary: 'Readiness: MySQL and S3 must answer (Kafka need not: the outbox covers its outages)',
        description: 'Only ready (200) or not (503); what failed is logged, not shown.',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (req, reply) => {
      const [required, optional] = await Promise.all([runChecks(opts.required), runChecks(opts.optional)]);
      logFailures(req.log, required, true);
      logFailures(req.log, optional, false);
      const ready = Object.values(required).every((v) => v === 'ok');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable' });
    },
  );

  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: {
          200: { description: 'Prometheus text exposition', content: { 'text/plain': { schema: z.string() } } },
        },
      },
    },
    async (_req, reply) => reply.type(opts.registry.contentType).send(await opts.registry.metrics()),
  );

  app.get(
    '/openapi.json',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['ops'],
        summary: 'This API as an OpenAPI 3.1 document',
        response: {
          200: { description: 'OpenAPI document', content: { 'application/json': { schema: z.looseObject({}) } } },
        },
      },
    },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );
};
