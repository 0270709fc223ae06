// What the public feeds show of a video, and the per-user like state. A feed item carries the same links as the
// public video resource, so a player can start from the feed without another request.
import { z } from 'zod';
import { PageCursor, RenditionLink, Video, VideoId } from './video.dto.js';

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
  cursor: PageCursor.optional(),
});
export type FeedQuery = z.infer<typeof FeedQuery>;

/**
 * The trending feed's cursor: opaque to clients, of a fixed form (the window's start, then how far down the order)
 * so the document can state it; every string of the form reads as a position (a depth past the bound is clamped).
 */
export const TRENDING_CURSOR = /^[0-9a-f]{15}$/;
export const TrendingQuery = z.object({
  limit: FeedQuery.shape.limit,
  cursor: z
    .string()
    .regex(TRENDING_CURSOR, 'cursor must be a nextCursor from an earlier page')
    .describe('Opaque: the `nextCursor` of the previous trending page, unchanged.')
    .optional(),
});
export type TrendingQuery = z.infer<typeof TrendingQuery>;

/** For You pages like trending: a personal walk's cursors have the same form. */
export const ForYouQuery = z.object({
  limit: FeedQuery.shape.limit,
  cursor: TrendingQuery.shape.cursor.describe('Opaque: the `nextCursor` of the previous For You page, unchanged.'),
});
export type ForYouQuery = z.infer<typeof ForYouQuery>;

export const LikeState = z
  .object({
    videoId: VideoId,
    likes: Video.shape.likes,
    likedByMe: z.boolean(),
  })
  .meta({ id: 'LikeState' });
export type LikeState = z.infer<typeof LikeState>;
