// /v1/videos: upload through the API (multipart, streamed), list yours, read one, change or delete it.
import {
  AppError,
  ListVideosQuery,
  UpdateVideoRequest,
  UploadVideoFields,
  Video,
  VideoIdParams,
  VideoPage,
} from '@reelforge/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { watchIdleBody } from '../http/idle-body.watch.js';
import { bearerAuth, problemResponses, quotaResponse } from '../http/openapi.js';
import type { StreamUploadService } from '../upload/stream-upload.service.js';
import { secondsToNextUtcDay } from '../upload/upload-quota.policy.js';
import type { UploadQuotaService } from '../upload/upload-quota.service.js';
import type { VideoService } from './video.service.js';

export interface VideoRoutesOptions {
  videos: VideoService;
  uploads: StreamUploadService;
  quotas: UploadQuotaService;
  maxUploadBytes: number;
  /** Streamed uploads this instance takes at once; more get 503 SERVER_BUSY (another replica may have room). */
  maxConcurrentUploads: number;
  /** A streamed body that sends nothing for this long is cut with 408 REQUEST_TIMEOUT. */
  uploadIdleTimeoutMs: number;
}

/** When a busy instance suggests trying again: uploads are long, but a slot frees as soon as any one ends. */
const BUSY_RETRY_AFTER_SEC = 5;

/** Room for the multipart framing and the text fields around the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export const videoRoutes: FastifyPluginAsyncZod<VideoRoutesOptions> = async (app, opts) => {
  app.post(
    '/v1/videos',
    {
      config: { multipartFields: UploadVideoFields },
      schema: {
        tags: ['videos'],
        summary: 'Upload a video through the API (multipart/form-data, streamed to storage)',
        description:
          'Send `title` and `description` (optional) before or after the `file` part. The file goes to storage as ' +
          'it arrives, never buffered; its size is checked and its first bytes must be a video container. Fields ' +
          'sent after the file are checked once it has ended, and a refused one removes what was stored. Answers ' +
          '202: the video ' +
          'is stored and queued for transcoding. The declared size (Content-Length) counts against your daily ' +
          'upload allowance before a byte is stored; a body that sends nothing for a while is cut off (408).',
        security: bearerAuth,
        response: {
          202: Video.describe('The stored video; `Location` names it.'),
          ...problemResponses(400, 401, 408, 413, 415, 422, 503),
          ...quotaResponse,
        },
      },
      onRequest: [
        app.requireUser,
        // Refuse an announced oversize body before reading any of it.
        async (req) => {
          const length = Number(req.headers['content-length']);
          if (Number.isFinite(length) && length > opts.maxUploadBytes + MULTIPART_OVERHEAD_BYTES) {
            throw new AppError('TOO_LARGE', `uploads are limited to ${opts.maxUploadBytes} bytes`);
          }
        },
      ],
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new AppError('BAD_REQUEST', 'the body must be multipart/form-data');
      if (streaming >= opts.maxConcurrentUploads) {
        throw new AppError('SERVER_BUSY', 'too many uploads in progress', { retryAfterSec: BUSY_RETRY_AFTER_SEC });
      }
      streaming++;
      try {
        const video = await streamUpload(req, reply);
        return reply
          .code(202)
          .header('location', `/v1/videos/${video.id}`)
          .send(await opts.videos.present(video));
      } finally {
        streaming--;
      }
    },
  );

  /** Streamed uploads in flight on this instance. */
  let streaming = 0;

  /** Reserves the user's quota, streams under an idle watch, and settles the quota with what was really used. */
  async function streamUpload(req: FastifyRequest, reply: FastifyReply) {
    const userId = req.viewerId as string;
    const length = Number(req.headers['content-length']);
    const reservation = await opts.quotas.reserveStream(userId, Number.isFinite(length) ? length : null);
    const watch = watchIdleBody(req.raw, opts.uploadIdleTimeoutMs);
    let used = 0;
    try {
      const video = await opts.uploads.upload(userId, req.parts(), {
        signal: watch.signal,
        // Only a body without Content-Length can bring more than was reserved: it is cut at what the quota left.
        ...(reservation.maxBytes < opts.maxUploadBytes && {
          limit: {
            bytes: reservation.maxBytes,
            error: () =>
              new AppError(
                'QUOTA_EXCEEDED',
                `quota dailyUploadBytes: the file is larger than the ${reservation.maxBytes} bytes left today`,
                { retryAfterSec: secondsToNextUtcDay(new Date()) },
              ),
          },
        }),
      });
      used = Number(video.sourceBytes);
      return video;
    } catch (err) {
      used = watch.bytesRead();
      if (watch.signal.aborted) {
        // The client is stalled mid-body: answer, then drop the connection rather than wait for the rest.
        reply.header('connection', 'close');
        reply.raw.once('finish', () => req.raw.destroy());
      }
      throw err;
    } finally {
      watch.stop();
      await reservation.release(used).catch((err: unknown) => req.log.error({ err }, 'could not release a quota'));
    }
  }

  app.get(
    '/v1/videos',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['videos'],
        summary: 'Your videos, newest first',
        security: bearerAuth,
        querystring: ListVideosQuery,
        response: { 200: VideoPage, ...problemResponses(400, 401, 429) },
      },
    },
    async (req) => opts.videos.list(req.viewerId as string, req.query),
  );

  app.get(
    '/v1/videos/:id',
    {
      onRequest: app.identifyUser,
      schema: {
        tags: ['videos'],
        summary: 'One video: status, source facts, progress, and links once ready',
        description: 'Public videos can be read without a token; private ones only by their owner.',
        security: [...bearerAuth, {}],
        params: VideoIdParams,
        response: { 200: Video, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (req) => opts.videos.get(req.params.id, req.viewerId),
  );

  app.patch(
    '/v1/videos/:id',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['videos'],
        summary: 'Change the title, description or visibility of your video',
        security: bearerAuth,
        params: VideoIdParams,
        body: UpdateVideoRequest,
        response: { 200: Video, ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (req) => opts.videos.update(req.params.id, req.viewerId as string, req.body),
  );

  app.delete(
    '/v1/videos/:id',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['videos'],
        summary: 'Delete your video: its rows, its original and every transcoded file',
        security: bearerAuth,
        params: VideoIdParams,
        response: { 204: z.undefined().describe('Deleted'), ...problemResponses(400, 401, 404, 429) },
      },
    },
    async (req, reply) => {
      await opts.videos.remove(req.params.id, req.viewerId as string);
      return reply.code(204).send();
    },
  );
};
