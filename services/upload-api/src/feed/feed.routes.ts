// GET /v1/feed, /v1/feed/trending and /v1/feed/for-you: public, paged by opaque cursors; signed-in readers also get `likedByMe`.
import { FeedPage, FeedQuery, ForYouQuery, TrendingQuery } from '@reelforge/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bearerAuth, problemResponses } from '../http/openapi.js';
import type { FeedService } from './feed.service.js';

export const feedRoutes: FastifyPluginAsyncZod<{ feed: FeedService; trendingWindowSec: number }> = async (
  app,
  { feed, trendingWindowSec },
) => {
  app.get(
    '/v1/feed',
    {
      onRequest: app.identifyUser,
      schema: {
        tags: ['feed'],
        summary: 'Public ready videos, newest first',
        description: 'Anyone may read it; with a bearer token each item also says whether you like it.',
        security: [...bearerAuth, {}],
        querystring: FeedQuery,
        response: { 200: FeedPage, ...problemResponses(400, 401, 429) },
      },
    },
    async (req) => feed.latest(req.viewerId, req.query),
  );

  app.get(
    '/v1/feed/trending',
    {
      onRequest: app.identifyUser,
      schema: {
        tags: ['feed'],
        summary: 'Public videos of the trending window, most watched and liked first',
        description:
          `Videos that became ready within the last ${Math.round(trendingWindowSec / 3600)} h (TRENDING_WINDOW_SEC), ` +
          'ranked by score = views + 3 × likes, then newest. The first page fixes the window; later pages ' +
          'continue the same ranking, so a video whose score moves meanwhile may show twice or not at all.',
        security: [...bearerAuth, {}],
        querystring: TrendingQuery,
        response: { 200: FeedPage, ...problemResponses(400, 401, 429) },
      },
    },
    async (req) => feed.trending(req.viewerId, req.query),
  );

  app.get(
    '/v1/feed/for-you',
    {
      onRequest: app.identifyUser,
      schema: {
        tags: ['feed'],
        summary: 'Videos recommended to you; the trending feed for anyone else',
        description:
          'Signed in: your list from the last recommender build (videos engaged with by people who liked and ' +
          'watched what you did, then the most popular), without your own videos, those you like and any that is ' +
          'no longer public and ready. Anonymous, or nothing built for you yet: exactly GET /v1/feed/trending. ' +
          'Pass `nextCursor` back unchanged; the first page decides which list a walk follows.',
        security: [...bearerAuth, {}],
        querystring: ForYouQuery,
        response: { 200: FeedPage, ...problemResponses(400, 401, 429) },
      },
    },
    async (req) => feed.forYou(req.viewerId, req.query),
  );
};
