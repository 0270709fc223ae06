// POST /v1/auth/register and /v1/auth/login: credentials in, bearer token out.
import { AppError, Credentials, RegisterRequest, TokenResponse } from '@reelforge/contracts';
import type { UserRepository } from '@reelforge/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses } from '../http/openapi.js';
import { dummyHash, hashPassword, verifyPassword } from './password.hasher.js';

export interface AuthRoutesOptions {
  users: UserRepository;
  jwtTtlSec: number;
  /** Per IP, on both routes: where passwords get guessed. */
  rateLimit: { max: number; windowSec: number };
}

export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, { users, jwtTtlSec, rateLimit }) => {
  const config = { rateLimit: { max: rateLimit.max, timeWindow: rateLimit.windowSec * 1000 } };
  const issue = (userId: string) => ({ token: app.jwt.sign({ sub: userId }), expiresInSec: jwtTtlSec });

  app.post(
    '/v1/auth/register',
    {
      config,
      schema: {
        tags: ['auth'],
        summary: 'Create an account and get a token',
        body: RegisterRequest,
        response: { 201: TokenResponse, ...problemResponses(400, 409, 429) },
      },
    },
    async (req, reply) => {
      const user = await users.create({
        email: req.body.email,
        passwordHash: await hashPassword(req.body.password),
        displayName: req.body.displayName,
      });
      req.log.info({ userId: user.id }, 'user registered');
      return reply.code(201).send(issue(user.id));
    },
  );

  app.post(
    '/v1/auth/login',
    {
      config,
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for a token',
        body: Credentials,
        response: { 200: TokenResponse, ...problemResponses(400, 401, 429) },
      },
    },
    async (req) => {
      const user = await users.findByEmail(req.body.email);
      // Unknown emails pay for a hash too, so response time does not tell which addresses have accounts.
      const ok = await verifyPassword(req.body.password, user?.passwordHash ?? (await dummyHash()));
      if (!user || !ok) throw new AppError('UNAUTHORIZED', 'wrong email or password');
      return issue(user.id);
    },
  );
};
