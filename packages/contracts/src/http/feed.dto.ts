// What the public feeds show of a video, and the per-user like state. A feed item carries the same links as the
// public video resource, so a player can start from the feed without another request.
import { z } from 'zod';
import { RenditionLink, Video, VideoId } from './video.dto.js';

export const FeedItem = z
  .object({
    id: VideoId,
    title: z.string(),
    ownerName: z.string().describe("The owner's display name."),
    durationSec: z.number().nullable(),
    views: Video.shape.views,
    likes: Video.shape.likes,
    likedByMe: z.boolean().optional().describe('Present when the request is signed in.'),
    poster: z.url().optional(),
    hls: Video.shape.hls,
    renditions: z.array(RenditionLink),
    storyboard: Video.shape.storyboard,
  })
  .meta({ id: 'FeedItem' });
export type FeedItem = z.infer<typeof FeedItem>;

export const FeedPage = z
  .object({
    items: z.array(FeedItem),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page.'),
  })
  .meta({ id: 'FeedPage' });
export type FeedPage = z.infer<typeof FeedPage>;

export const FeedQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().min(1).max(200).optional().describe('`nextCursor` of the previous page, as it was.'),
});
export type FeedQuery = z.infer<typeof FeedQuery>;

export const LikeState = z
  .object({
    videoId: VideoId,
    likes: Video.shape.likes,
    likedByMe: z.boolean(),
  })
  .meta({ id: 'LikeState' });
export type LikeState = z.infer<typeof LikeState>;
