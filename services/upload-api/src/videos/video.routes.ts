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
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bearerAuth, problemResponses } from '../http/openapi.js';
import type { StreamUploadService } from '../upload/stream-upload.service.js';
import type { VideoService } from './video.service.js';

export interface VideoRoutesOptions {
  videos: VideoService;
  uploads: StreamUploadService;
  maxUploadBytes: number;
}

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
          'Send `title` and `description` (optional) before the `file` part. The file goes to storage as it ' +
          'arrives; its size is checked and its first bytes must be a video container. Answers 202: the video ' +
          'is stored and queued for transcoding.',
        security: bearerAuth,
        response: {
          202: Video.describe('The stored video; `Location` names it.'),
          ...problemResponses(400, 401, 413, 415, 422, 429),
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
      const video = await opts.uploads.upload(req.viewerId as string, req.parts());
      return reply
        .code(202)
        .header('location', `/v1/videos/${video.id}`)
        .send(await opts.videos.present(video));
    },
  );

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
