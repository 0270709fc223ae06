// Rate limits with Retry-After: per IP on every route (an app-wide hook, so it runs before authentication and
// counts anonymous floods too), stricter per-route budgets through `config.rateLimit`, and per user (auth.plugin).
import fastifyRateLimit from '@fastify/rate-limit';
import { AppError } from '@reelforge/contracts';
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

export interface RateLimitOptions {
  ipMax: number;
  windowSec: number;
}

type Verdict = { isAllowed: true } | { isAllowed: false; isExceeded: boolean; ttlInSeconds: number };

/** Turns a limiter's verdict into a 429 with Retry-After. */
export function enforce(verdict: Verdict, reply: FastifyReply): void {
  if (verdict.isAllowed || !verdict.isExceeded) return;
  reply.header('retry-after', String(verdict.ttlInSeconds));
  throw new AppError('RATE_LIMITED', `too many requests; retry in ${verdict.ttlInSeconds} s`);
}

export const rateLimitPlugin = fp<RateLimitOptions>(
  async (app, opts) => {
    await app.register(fastifyRateLimit, {
      // Not global: the plugin's own route hooks mark a request as limited and then skip every other limiter.
      global: false,
      timeWindow: opts.windowSec * 1000,
      errorResponseBuilder: (_req, ctx) =>
        new AppError('RATE_LIMITED', `too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
    });
    const perIp = app.createRateLimit({ max: opts.ipMax, timeWindow: opts.windowSec * 1000 });
    app.addHook('onRequest', async (req, reply) => {
      // Probes and scrapes opt out with `config.rateLimit: false`.
      if (req.routeOptions.config?.rateLimit === false) return;
      enforce(await perIp(req), reply);
    });
  },
  { name: 'reelforge-rate-limit' },
);
