// POST /v1/videos/:id/playback-sessions: the token a player sends with its engagement events.
import { PlaybackSession, VideoIdParams } from '@reelforge/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bearerAuth, problemResponses } from '../http/openapi.js';
import type { PlaybackSessionIssuer } from './playback-session.issuer.js';

export const playbackSessionRoutes: FastifyPluginAsyncZod<{ sessions: PlaybackSessionIssuer }> = async (app, opts) => {
  app.post(
    '/v1/videos/:id/playback-sessions',
    {
      onRequest: app.identifyUser,
      schema: {
        tags: ['videos'],
        summary: 'Start a playback session: the token that lets a player report engagement events',
        description:
          'For a ready video you may watch: a public one without a token, a private one as its owner (others get ' +
          '404, as for a missing video). Ask once per playback; each session counts at most one view. A video that ' +
          'is not ready yet answers 409.',
        security: [...bearerAuth, {}],
        params: VideoIdParams,
        response: { 201: PlaybackSession, ...problemResponses(400, 401, 404, 409, 429) },
      },
    },
    async (req, reply) => reply.code(201).send(await opts.sessions.issue(req.params.id, req.viewerId)),
  );
};
