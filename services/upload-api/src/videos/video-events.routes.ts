// GET /v1/videos/:id/events: the video's status and progress as Server-Sent Events, from the instance's live hub.
import { AppError, VideoIdParams } from '@reelforge/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bearerAuth, problemResponses } from '../http/openapi.js';
import type { LiveStatusHub, LiveSubscriber } from './live-status.hub.js';

export interface VideoEventsRoutesOptions {
  live: LiveStatusHub;
}

/** What EventSource waits before it reconnects after the stream dropped (not after a normal end). */
const RECONNECT_MS = 3000;

export const EVENT_STREAM_DESCRIPTION =
  'A `text/event-stream`. Each event is `event: video` with the `Video` resource as JSON in `data` (links ' +
  'included once ready), as every watcher sees it: without the reader’s `likedByMe` or the owner’s `compute` ' +
  '(GET the video for those). The first event is the current state, read when the stream opens; then one event per ' +
  'change of status or progress; the stream ends after the event whose status is `ready` or `failed` (at once for ' +
  'a video already there). Comment lines (`: ping`) keep idle connections open. A reconnecting client needs no ' +
  '`Last-Event-ID`: every stream starts with the current state.';

const VideoStatusEvent = z
  .object({
    event: z.literal('video'),
    id: z.string().regex(/^\d+$/).optional(),
    retry: z.number().int().optional(),
    data: z.string().meta({ contentMediaType: 'application/json', description: 'a Video resource as JSON' }),
  })
  .meta({ title: 'VideoStatusEvent' });

export const videoEventsRoutes: FastifyPluginAsyncZod<VideoEventsRoutesOptions> = async (app, opts) => {
  app.addHook('preClose', () => opts.live.close());

  app.get(
    '/v1/videos/:id/events',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['videos'],
        summary: 'Live status and progress of your video (Server-Sent Events)',
        description: EVENT_STREAM_DESCRIPTION,
        security: bearerAuth,
        params: VideoIdParams,
        response: {
          200: {
            description: 'The event stream; it ends after `ready` or `failed`.',
            // One schema per event, as SSE clients and contract fuzzers read the stream: an `event: video` whose `data`
            // is a Video resource as JSON.
            content: { 'text/event-stream': { schema: VideoStatusEvent } },
          },
          ...problemResponses(400, 401, 404, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const videoId = req.params.id;
      const res = reply.raw;
      let seq = 0;
      let open = false;
      let ended = false;
      // The stream starts with the first event, so a refusal before it is still an ordinary problem+json answer.
      const start = () => {
        if (open) return;
        open = true;
        reply.hijack();
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
        });
        res.write(`retry: ${RECONNECT_MS}\n\n`);
      };
      const subscriber: LiveSubscriber = {
        send: (video) => {
          start();
          seq++;
          res.write(`id: ${seq}\nevent: video\ndata: ${JSON.stringify(video)}\n\n`);
        },
        heartbeat: () => res.write(': ping\n\n'),
        end: () => {
          ended = true;
          res.end();
        },
      };
      const leave = () => {
        if (!ended) opts.live.unsubscribe(videoId, subscriber);
      };
      res.on('close', leave);
      if (!(await opts.live.subscribe(videoId, req.viewerId as string, subscriber))) {
        throw new AppError('NOT_FOUND', 'no such video');
      }
      // The client may have gone while the first state was read.
      if (res.destroyed) leave();
      return reply;
    },
  );
};
