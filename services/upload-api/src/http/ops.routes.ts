// /healthz (the process answers), /readyz (its dependencies answer), /metrics and /openapi.json.
import { type ReadinessCheck, runChecks } from '@reelforge/observability';
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

const Readiness = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  checks: z.record(z.string(), z.string()).describe('"ok" or what went wrong, per dependency'),
});

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
        summary: 'Readiness: MySQL and S3 must answer; Kafka is reported (the outbox covers its outages)',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_req, reply) => {
      const [required, optional] = await Promise.all([runChecks(opts.required), runChecks(opts.optional)]);
      const ok = (r: Record<string, string>) => Object.values(r).every((v) => v === 'ok');
      const status = !ok(required) ? 'unavailable' : ok(optional) ? 'ok' : 'degraded';
      return reply.code(status === 'unavailable' ? 503 : 200).send({ status, checks: { ...required, ...optional } });
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
