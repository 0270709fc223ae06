// The public feeds. A page is the same for every reader, so it is cached whole; `likedByMe` is the reader's own and
// is added after the cache, in one query for the page. Pages are keyed by when the newest public video became ready:
// completion makes videos ready without talking to the cache, and the next read sees a new key.
import type { FeedPage } from '@reelforge/contracts';
import type { FeedVideo, LikeRepository, RecommendationRepository, VideoRepository } from '@reelforge/db';
import { FEED_SCOPE, type ReadCache } from '../cache/read.cache.js';
import type { VideoService } from '../videos/video.service.js';
import { presentFeedItem } from './feed.presenter.js';
import {
  decodeTrendingCursor,
  encodePersonalCursor,
  encodeTrendingCursor,
  MAX_TRENDING_OFFSET,
} from './trending.cursor.js';

/** A like counts as this many views in the trending score: it takes a deliberate act, a view does not. */
export const TRENDING_LIKE_WEIGHT = 3;

/** The window's start moves in steps of this, so a minute's trending pages share cache entries. */
const WINDOW_STEP_MS = 60_000;

export interface FeedServiceDeps {
  videos: VideoRepository;
  likes: LikeRepository;
  /** The recommender's per-user lists (services/recommender), read by For You. */
  recommendations: RecommendationRepository;
  present: VideoService;
  cache: ReadCache;
  trendingWindowSec: number;
  nowMs?: () => number;
}

interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export class FeedService {
  constructor(private readonly deps: FeedServiceDeps) {}

  /** Public ready videos, newest first. */
  async latest(viewerId: string | null, { limit, cursor }: PageRequest): Promise<FeedPage> {
    const page = await this.cached(`latest:${limit}:${cursor ?? ''}`, async () => {
      const { items, nextCursor } = await this.deps.videos.listPublic({ limit, cursor: cursor ?? null });
      return { items: await this.present(items), nextCursor };
    });
    return this.personalize(page, viewerId);
  }

  /**
   * Public videos that became ready within the window, by views + TRENDING_LIKE_WEIGHT × likes, then newest. The
   * first page fixes the window's start; its cursor carries it.
   */
  async trending(viewerId: string | null, { limit, cursor }: PageRequest): Promise<FeedPage> {
    const now = this.deps.nowMs?.() ?? Date.now();
    const { offset, sinceMs } = cursor
      ? decodeTrendingCursor(cursor)
      : {
          offset: 0,
          sinceMs: Math.floor((now - this.deps.trendingWindowSec * 1000) / WINDOW_STEP_MS) * WINDOW_STEP_MS,
        };
    const page = await this.cached(`trending:${sinceMs}:${limit}:${offset}`, async () => {
      const rows = await this.deps.videos.listTrending({
        since: new Date(sinceMs),
        likeWeight: TRENDING_LIKE_WEIGHT,
        limit: limit + 1,
        offset,
      });
      const items = rows.slice(0, limit);
      const next = offset + limit;
      return {
        items: await this.present(items),
        nextCursor:
          rows.length > limit && next <= MAX_TRENDING_OFFSET ? encodeTrendingCursor({ offset: next, sinceMs }) : null,
      };
    });
    return this.personalize(page, viewerId);
  }

  /**
   * For You: the signed-in reader's list from the last recommender build, as it can be shown now (public, ready, not
   * theirs, not liked since); trending for anyone else, and for a reader the recommender has nothing for.
   */
  async forYou(viewerId: string | null, { limit, cursor }: PageRequest): Promise<FeedPage> {
    if (viewerId === null) return this.trending(null, { limit, cursor });
    const position = cursor ? decodeTrendingCursor(cursor) : { offset: 0, sinceMs: 0 };
    if (position.sinceMs !== 0) return this.trending(viewerId, { limit, cursor });
    const rows = await this.deps.recommendations.forUser(viewerId, { limit: limit + 1, offset: position.offset });
    // Nothing (left) to show on the first page: a new reader, or every video of the list went private since.
    if (position.offset === 0 && rows.length === 0) return this.trending(viewerId, { limit });
    const next = position.offset + limit;
    const page = {
      items: await this.present(rows.slice(0, limit)),
      nextCursor: rows.length > limit && next <= MAX_TRENDING_OFFSET ? encodePersonalCursor(next) : null,
    };
    return this.personalize(page, viewerId);
  }

  private async cached(key: string, load: () => Promise<FeedPage>): Promise<FeedPage> {
    const { cache, videos } = this.deps;
    if (!cache.enabled) return load();
    const newest = (await videos.newestPublicReadyAt())?.getTime() ?? 0;
    return cache.read(FEED_SCOPE, `${newest}:${key}`, load, () => true);
  }

  private async present(videos: FeedVideo[]) {
    const resources = await this.deps.present.presentAll(videos);
    return resources.map((r, i) => presentFeedItem(r, (videos[i] as FeedVideo).ownerName));
  }

  private async personalize(page: FeedPage, viewerId: string | null): Promise<FeedPage> {
    if (viewerId === null) return page;
    const liked = await this.deps.likes.likedBy(
      viewerId,
      page.items.map((i) => i.id),
    );
    return { ...page, items: page.items.map((i) => ({ ...i, likedByMe: liked.has(i.id) })) };
  }
}
