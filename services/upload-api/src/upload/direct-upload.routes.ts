// /v1/uploads: direct-to-S3 multipart uploads for big files.
import { CreateUploadRequest, DirectUpload, Video, VideoIdParams } from '@reelforge/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bearerAuth, problemResponses, quotaResponse } from '../http/openapi.js';
import type { VideoService } from '../videos/video.service.js';
import type { DirectUploadService } from './direct-upload.service.js';

export interface DirectUploadRoutesOptions {
  uploads: DirectUploadService;
  videos: VideoService;
  maxUploadBytes: number;
}

export const directUploadRoutes: FastifyPluginAsyncZod<DirectUploadRoutesOptions> = async (app, opts) => {
  // This deployment's limit, in the document as well as in validation.
  const createBody = CreateUploadRequest.extend({
    bytes: CreateUploadRequest.shape.bytes.max(opts.maxUploadBytes),
  });
  app.post(
    '/v1/uploads',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['uploads'],
        summary: 'Start a direct upload: the video, an S3 multipart upload and a presigned URL per part',
        description:
          'PUT each part to its URL (every part is `partSize` bytes except the last; each URL is signed for its ' +
          "part's exact Content-Length, so storage refuses any other size), then call `complete`. " +
          'Interrupted? `GET /v1/uploads/{id}` lists what S3 has and gives fresh URLs for the rest. ' +
          'The declared size counts against your daily upload allowance.',
        security: bearerAuth,
        body: createBody,
        response: { 201: DirectUpload, ...problemResponses(400, 401, 413), ...quotaResponse },
      },
    },
    async (req, reply) => {
      const upload = await opts.uploads.create(req.viewerId as string, req.body);
      return reply.code(201).header('location', `/v1/uploads/${upload.id}`).send(upload);
    },
  );

  app.get(
    '/v1/uploads/:id',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['uploads'],
        summary: 'The parts S3 already holds, and URLs for the missing ones',
        security: bearerAuth,
        params: VideoIdParams,
        response: { 200: DirectUpload, ...problemResponses(400, 401, 404, 409, 429) },
      },
    },
    async (req) => opts.uploads.status(req.viewerId as string, req.params.id),
  );

  app.post(
    '/v1/uploads/:id/complete',
    {
      onRequest: app.requireUser,
      schema: {
        tags: ['uploads'],
        summary: 'Complete a direct upload: join the parts, check size and container, queue it for transcoding',
        description:
          'Checks every part against the plan and the first bytes of the file; it does not read the whole object, ' +
          'so it is quick at any size (`source.sha256` is null until the transcoder has read the file). ' +
          'Safe to repeat: an upload that is already complete answers with the video.',
        security: bearerAuth,
        params: VideoIdParams,
        response: { 202: Video, ...problemResponses(400, 401, 404, 409, 410, 415, 429) },
      },
    },
    async (req, reply) => {
      const video = await opts.uploads.complete(req.viewerId as string, req.params.id);
      return reply
        .code(202)
        .header('location', `/v1/videos/${video.id}`)
        .send(await opts.videos.present(video));
    },
  );
};
