// Bearer-token authentication and the per-user rate limit. Routes opt in with `onRequest: app.requireUser` (writes
// and the caller's own data) or `app.identifyUser` (reads that public videos allow anonymously).
import fastifyJwt from '@fastify/jwt';
import { AppError } from '@reelforge/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { enforce } from '../http/rate-limit.plugin.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string };
    user: { sub: string };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    requireUser: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
    identifyUser: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    /** The signed-in caller, or null for an anonymous read. Set by requireUser / identifyUser. */
    viewerId: string | null;
  }
}

export interface AuthOptions {
  jwtSecret: string;
  jwtTtlSec: number;
  userRateLimit: { max: number; windowSec: number };
}

export const authPlugin = fp<AuthOptions>(
  async (app, opts) => {
    await app.register(fastifyJwt, {
      secret: opts.jwtSecret,
      sign: { expiresIn: opts.jwtTtlSec, algorithm: 'HS256' },
      verify: { algorithms: ['HS256'] },
    });
    app.decorateRequest('viewerId', null);

    const userLimit = app.createRateLimit({
      max: opts.userRateLimit.max,
      timeWindow: opts.userRateLimit.windowSec * 1000,
      keyGenerator: (req) => `user:${req.viewerId}`,
    });

    const verify = async (req: FastifyRequest) => {
      try {
        const { sub } = await req.jwtVerify<{ sub: string }>();
        if (typeof sub !== 'string' || sub.length === 0) throw new Error('token without a subject');
        req.viewerId = sub;
      } catch (err) {
        // One answer for a missing, malformed, expired or forged token: which one it was helps only an attacker.
        throw new AppError('UNAUTHORIZED', 'a valid bearer token is required', { cause: err });
      }
    };

    app.decorate('requireUser', async (req: FastifyRequest, reply: FastifyReply) => {
      await verify(req);
      enforce(await userLimit(req), reply);
    });

    app.decorate('identifyUser', async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.headers.authorization === undefined) return;
      await verify(req);
      enforce(await userLimit(req), reply);
    });
  },
  { name: 'reelforge-auth', dependencies: ['reelforge-rate-limit'] },
);
