// Direct-to-S3 uploads: the API hands out presigned part URLs, the client PUTs the parts to S3 itself, and asks
// the API to complete once every part is there.
import { z } from 'zod';
import { PRINTABLE, Title, VideoId, VideoStatus } from './video.dto.js';

// RFC 6838 type/subtype (restricted names) with optional RFC 9110 parameters: ASCII only, as the column stores it.
const token = '[A-Za-z0-9!#$&^_.+-]';
const mimeType = new RegExp(
  `^${token}{1,63}/${token}{1,63}(?:\\s*;\\s*${token}+=(?:${token}+|"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"))*$`,
);
export const CreateUploadRequest = z
  .strictObject({
    filename: z.string().min(1).max(255).regex(PRINTABLE, 'filename must not contain control characters'),
    bytes: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    contentType: z
      .string()
      .max(127)
      .regex(mimeType, 'contentType must be a MIME type such as video/mp4')
      .describe('What the client believes it sends; the stored type is decided from the file itself.'),
    title: Title.optional(),
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
