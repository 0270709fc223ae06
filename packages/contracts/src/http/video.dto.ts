// The video resource as the HTTP API shows it, and the requests that change or list it. The path's `/v1` is the
// version of everything here.
import { z } from 'zod';

export const VideoStatus = z.enum(['awaiting_upload', 'uploaded', 'queued', 'processing', 'ready', 'failed']);
export type VideoStatus = z.infer<typeof VideoStatus>;

export const Visibility = z.enum(['private', 'public']);
export type Visibility = z.infer<typeof Visibility>;

export const VideoId = z.uuid().meta({ id: 'VideoId' });

/** No control characters (C0, DEL, C1): what a person types as a name or title, on one line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what it is for.
export const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f]*$/;
export const Title = z.string().trim().min(1).max(200).regex(PRINTABLE, 'title must not contain control characters');
const Description = z.string().max(5000);

export const RenditionLink = z.object({
  name: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  bitrateKbps: z.number().int(),
  mp4: z.url().describe('Progressive MP4 of this rendition.'),
});
export type RenditionLink = z.infer<typeof RenditionLink>;

export const Video = z
  .object({
    id: VideoId,
    title: z.string(),
    description: z.string().nullable(),
    visibility: Visibility,
    status: VideoStatus,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    source: z.object({
      filename: z.string().nullable(),
      bytes: z.number().int().nullable(),
      contentType: z.string().nullable(),
      sha256: z
        .string()
        .nullable()
        .describe(
          'Hex SHA-256 of the stored original: computed on the way in through `POST /v1/videos`; for a direct ' +
            'upload null until the transcoder has read the file (it reports the hash with `durationSec`).',
        ),
      durationSec: z.number().nullable(),
      width: z.number().int().nullable(),
      height: z.number().int().nullable(),
    }),
    progressPct: z.number().int().min(0).max(100).describe('Of the current transcode attempt.'),
    views: z
      .number()
      .int()
      .min(0)
      .describe(
        'Playback sessions of this video that sent a `view_complete` (POST /v1/videos/{id}/playback-sessions), each ' +
          'counted once. Counted when the engagement lake writes the events, so they trail them by up to its ' +
          'flush interval (about a minute by default).',
      ),
    likes: z.number().int().min(0).describe('How many users like it (`PUT /v1/videos/{id}/like`).'),
    likedByMe: z
      .boolean()
      .optional()
      .describe('Whether you like it: present on `GET /v1/videos/{id}` when the request is signed in.'),
    error: z.object({ code: z.string(), message: z.string() }).optional().describe('Present when status is failed.'),
    hls: z
      .url()
      .optional()
      .describe(
        'HLS master playlist (when ready). Its variant playlists are relative paths, so the master only plays when the ' +
          'processed files are served under CDN_BASE_URL; without one this is a presigned link to the file itself.',
      ),
    renditions: z.array(RenditionLink).optional(),
    poster: z.url().optional(),
    storyboard: z
      .object({ image: z.url(), vtt: z.url() })
      .optional()
      .describe('Thumbnail sprite and the WebVTT that maps times to its tiles.'),
    compute: z
      .object({
        taskSeconds: z.number().min(0).describe('Wall seconds of every transcoder task of every attempt.'),
        estimatedCostUsd: z
          .number()
          .min(0)
          .describe("At the configured Fargate prices for each attempt's task size; compute only."),
      })
      .optional()
      .describe('What transcoding it used so far. Only in its owner’s `GET /v1/videos/{id}`.'),
  })
  .meta({ id: 'Video' });
export type Video = z.infer<typeof Video>;

/**
 * A page cursor: opaque to clients (pass `nextCursor` back unchanged), of a fixed form so the document can state it.
 * Every string of this form reads as a position in the list, so the server refuses none that the pattern admits.
 */
export const PAGE_CURSOR = /^[0-9a-f]{44}$/;
export const PageCursor = z
  .string()
  .regex(PAGE_CURSOR, 'cursor must be a nextCursor from an earlier page')
  .describe('Opaque: the `nextCursor` of the previous page, unchanged.')
  .meta({ id: 'PageCursor' });

export const VideoPage = z
  .object({
    items: z.array(Video),
    nextCursor: PageCursor.nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  })
  .meta({ id: 'VideoPage' });
export type VideoPage = z.infer<typeof VideoPage>;

export const ListVideosQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: PageCursor.optional(),
});
export type ListVideosQuery = z.infer<typeof ListVideosQuery>;

export const UpdateVideoRequest = z
  .object({
    title: Title.optional(),
    description: Description.optional(),
    visibility: Visibility.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one of title, description, visibility')
  // The refine above, in the document: `{}` is refused by both.
  .meta({ id: 'UpdateVideoRequest', minProperties: 1 });
export type UpdateVideoRequest = z.infer<typeof UpdateVideoRequest>;

/** The text fields of `POST /v1/videos` (multipart/form-data); before or after the `file` part. */
export const UploadVideoFields = z
  .object({
    title: Title.optional(),
    description: Description.optional(),
  })
  .strict();
export type UploadVideoFields = z.infer<typeof UploadVideoFields>;

export const VideoIdParams = z.object({ id: VideoId });
export type VideoIdParams = z.infer<typeof VideoIdParams>;
