// Direct-to-S3 uploads: the API hands out presigned part URLs, the client PUTs the parts to S3 itself, and asks
// the API to complete once every part is there.
import { z } from 'zod';
import { VideoId, VideoStatus } from './video.dto.js';

export const CreateUploadRequest = z
  .object({
    filename: z.string().min(1).max(255),
    bytes: z.number().int().positive(),
    contentType: z.string().min(1).max(127),
    title: z.string().trim().min(1).max(200).optional(),
  })
  .meta({ id: 'CreateUploadRequest' });
export type CreateUploadRequest = z.infer<typeof CreateUploadRequest>;

export const PartUrl = z.object({
  partNumber: z.number().int().min(1),
  url: z.url().describe('PUT the part body here, and keep nothing: the API reads the ETags from S3.'),
});
export type PartUrl = z.infer<typeof PartUrl>;

export const UploadedPart = z.object({
  partNumber: z.number().int().min(1),
  bytes: z.number().int().nonnegative(),
  etag: z.string(),
});
export type UploadedPart = z.infer<typeof UploadedPart>;

export const DirectUpload = z
  .object({
    id: VideoId,
    status: VideoStatus,
    bytes: z.number().int().positive(),
    partSize: z.number().int().positive().describe('Every part has this size except the last, which has the rest.'),
    partCount: z.number().int().positive(),
    expiresAt: z.iso.datetime().nullable().describe('Unfinished uploads are aborted after this; null once completed.'),
    uploadedParts: z.array(UploadedPart).describe('Parts S3 already holds.'),
    missingParts: z.array(PartUrl).describe('Parts still to send, each with a fresh presigned URL.'),
  })
  .meta({ id: 'DirectUpload' });
export type DirectUpload = z.infer<typeof DirectUpload>;
