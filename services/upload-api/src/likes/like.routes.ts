// PUT and DELETE /v1/videos/:id/like: the signed-in caller's like of a video, idempotent both ways.
import { LikeState, VideoIdParams } from '@reelforge/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bearerAuth, problemResponses } from '../http/openapi.js';
import type { LikeService } from './like.service.js';

export const likeRoutes: FastifyPluginAsyncZod<{ likes: LikeService }> = async (app, { likes }) => {
  const origin = (req: { ip: string; headers: { 'user-agent'?: string | undefined } }) => ({
    ip: req.ip,
    userAgent: req.headers['user-agent'] ?? null,
  });

  app.put(
    '/v1/videos/:id/like',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['likes'],
        summary: 'Like a video you can see (again: no change)',
        security: bearerAuth,
        params: VideoIdParams,
        response: { 200: LikeState, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (req) => likes.like(req.params.id, req.viewerId as string, origin(req)),
  );

  app.delete(
    '/v1/videos/:id/like',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['likes'],
        summary: 'Take your like back (none: no change)',
        security: bearerAuth,
        params: VideoIdParams,
        response: { 200: LikeState, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (req) => likes.unlike(req.params.id, req.viewerId as string, origin(req)),
  );
};
