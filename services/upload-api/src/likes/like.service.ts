// Liking and unliking: per-user state in video_likes, changed only on videos the user may see (others are "not
// found", as everywhere). A change that happened — not a repeat — is announced to the lake through the outbox in
// its transaction, then drops the cached copies of the video and of the feeds.
import { AppError, type LikeState } from '@reelforge/contracts';
import {
  type Database,
  type Kysely,
  type LikeRepository,
  type OutboxRepository,
  transaction,
  type VideoRepository,
} from '@reelforge/db';
import { FEED_SCOPE, type ReadCache, videoScope } from '../cache/read.cache.js';
import { likeRecord } from './like.record.js';

export interface LikeServiceDeps {
  db: Kysely<Database>;
  videos: VideoRepository;
  likes: LikeRepository;
  outbox: OutboxRepository;
  cache: ReadCache;
}

/** Where the request came from, for the lake record. */
export interface RequestOrigin {
  ip: string;
  userAgent: string | null;
}

export class LikeService {
  constructor(private readonly deps: LikeServiceDeps) {}

  like(videoId: string, userId: string, origin: RequestOrigin): Promise<LikeState> {
    return this.change('like', videoId, userId, origin);
  }

  unlike(videoId: string, userId: string, origin: RequestOrigin): Promise<LikeState> {
    return this.change('unlike', videoId, userId, origin);
  }

  private async change(
    type: 'like' | 'unlike',
    videoId: string,
    userId: string,
    origin: RequestOrigin,
  ): Promise<LikeState> {
    const { db, videos, likes, outbox } = this.deps;
    const changed = await transaction(db, async (tx) => {
      if (!(await videos.findVisible(videoId, userId, tx))) throw new AppError('NOT_FOUND', 'no such video');
      const moved = type === 'like' ? await likes.add(tx, videoId, userId) : await likes.remove(tx, videoId, userId);
      if (moved) {
        await outbox.add(tx, {
          topic: 'engagement.events',
          payload: likeRecord({ type, videoId, userId, ...origin, at: new Date() }),
        });
      }
      return moved;
    });
    if (changed) await this.deps.cache.invalidate(videoScope(videoId), FEED_SCOPE);
    const count = (await likes.countsOf([videoId])).get(videoId) ?? 0;
    return { videoId, likes: count, likedByMe: type === 'like' };
  }
}
