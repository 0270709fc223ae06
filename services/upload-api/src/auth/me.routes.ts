// GET and PATCH /v1/me: the caller's own account, and the display name others see on feeds.
import { AppError, Me, UpdateMeRequest } from '@reelforge/contracts';
import type { User, UserRepository } from '@reelforge/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { FEED_SCOPE, type ReadCache } from '../cache/read.cache.js';
import { bearerAuth, problemResponses } from '../http/openapi.js';

const present = (u: User): Me => ({ id: u.id, email: u.email, displayName: u.displayName });

export const meRoutes: FastifyPluginAsyncZod<{ users: UserRepository; cache: ReadCache }> = async (
  app,
  { users, cache },
) => {
  // A token can outlive its account: that is "not signed in", not "not found".
  const gone = () => new AppError('UNAUTHORIZED', 'a valid bearer token is required');

  app.get(
    '/v1/me',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['auth'],
        summary: 'Your account',
        security: bearerAuth,
        response: { 200: Me, ...problemResponses(401, 429) },
      },
    },
    async (req) => {
      const user = await users.findById(req.viewerId as string);
      if (!user) throw gone();
      return present(user);
    },
  );

  app.patch(
    '/v1/me',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['auth'],
        summary: 'Change your display name',
        security: bearerAuth,
        body: UpdateMeRequest,
        response: { 200: Me, ...problemResponses(400, 401, 429) },
      },
    },
    async (req) => {
      const user = await users.setDisplayName(req.viewerId as string, req.body.displayName);
      if (!user) throw gone();
      // Feed items carry owners' names.
      await cache.invalidate(FEED_SCOPE);
      return present(user);
    },
  );
};
