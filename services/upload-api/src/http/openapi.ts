// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. The multipart upload is
// parsed by hand (it streams), so its form is described through route config and added to the document here.
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { PROBLEM_CONTENT_TYPE, Problem } from '@reelforge/contracts';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The text fields of a multipart/form-data route, documented beside its `file` part. */
    multipartFields?: z.ZodObject;
  }
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is malformed or fails validation (`BAD_REQUEST`).',
  401: 'No valid bearer token (`UNAUTHORIZED`), or wrong credentials.',
  404: 'No such video, or not yours (`NOT_FOUND`).',
  408: 'The body stopped arriving for longer than the server waits (`REQUEST_TIMEOUT`); nothing was kept.',
  409: 'The request conflicts with the current state (`CONFLICT`).',
  410: 'The direct upload expired and was aborted (`UPLOAD_EXPIRED`).',
  413: 'Larger than the configured limit (`TOO_LARGE`).',
  415: 'Not a video container we recognise (`UNSUPPORTED_INPUT`).',
  422: 'The file is empty (`EMPTY_INPUT`).',
  429: 'Rate limit hit (`RATE_LIMITED`); see `Retry-After`.',
  503: 'This instance is at its limit of concurrent uploads (`SERVER_BUSY`); see `Retry-After`.',
};

/** Error responses of a route, all `application/problem+json`. */
export function problemResponses(...statuses: (keyof typeof DESCRIPTIONS)[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: DESCRIPTIONS[status] ?? 'Error', content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } } },
    ]),
  );
}

/** The 429 of a route that spends upload quota: a rate limit or a quota. */
export const quotaResponse = {
  429: {
    description:
      'Rate limit hit (`RATE_LIMITED`), or one of your upload quotas is used up (`QUOTA_EXCEEDED`, the detail names ' +
      'it: concurrent uploads, open direct uploads, unfinished videos, bytes per day); `Retry-After` when waiting helps.',
    content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } },
  },
};

export const bearerAuth = [{ bearerAuth: [] }];

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

function transform(doc: TransformInput) {
  const out = jsonSchemaTransform(doc);
  const fields = (doc.route.config as { multipartFields?: z.ZodObject } | undefined)?.multipartFields;
  if (!fields) return out;
  const form = z.toJSONSchema(fields, { target: 'draft-2020-12', io: 'input' }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return {
    url: out.url,
    schema: {
      ...out.schema,
      consumes: ['multipart/form-data'],
      body: {
        type: 'object',
        description: 'Text fields and one `file` part, in any order; the file streams to storage as it arrives.',
        properties: {
          ...form.properties,
          file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'The video.' },
        },
        required: [...(form.required ?? []), 'file'],
        additionalProperties: false,
      },
    },
  };
}

export const swaggerOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Reelforge upload API',
      version: '1.0.0',
      description:
        'Accounts, uploads (streamed through the API, or straight to S3 in presigned parts), the video read ' +
        'model, public feeds and likes. Every error is `application/problem+json` (RFC 9457) with a stable `code`.',
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    tags: [
      { name: 'auth', description: 'Accounts and tokens' },
      { name: 'videos', description: 'Uploading through the API, reading, changing and deleting videos' },
      { name: 'uploads', description: 'Direct-to-S3 multipart uploads for big files' },
      { name: 'feed', description: 'Public feeds of ready videos' },
      { name: 'likes', description: "Signed-in users' likes" },
      { name: 'ops', description: 'Health, readiness, metrics and this document' },
    ],
  },
  transform,
  transformObject: jsonSchemaTransformObject,
};
