// The recommender's per-user lists. A build replaces each user's rows whole; reads join the videos again, so a video
// made private, deleted or liked after the build never shows.
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { transaction } from './transaction.runner.js';
import type { FeedVideo } from './video.repository.js';

export interface UserRecommendations {
  userId: string;
  /** Best first. */
  items: { videoId: string; score: number }[];
}

export class RecommendationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Replaces the lists of these users, in one transaction per call (callers batch). Users and videos that no longer
   * exist are skipped rather than failing the batch on a foreign key.
   */
  async replace(lists: readonly UserRecommendations[], builtAt: Date): Promise<void> {
    if (lists.length === 0) return;
    const userIds = lists.map((l) => l.userId);
    const videoIds = [...new Set(lists.flatMap((l) => l.items.map((i) => i.videoId)))];
    await transaction(this.db, async (tx) => {
      const users = new Set(
        (await tx.selectFrom('users').select('id').where('id', 'in', userIds).execute()).map((r) => r.id),
      );
      const videos =
        videoIds.length === 0
          ? new Set<string>()
          : new Set(
              (await tx.selectFrom('videos').select('id').where('id', 'in', videoIds).execute()).map((r) => r.id),
            );
      await tx.deleteFrom('recommendations').where('userId', 'in', userIds).execute();
      const rows = lists
        .filter((l) => users.has(l.userId))
        .flatMap((l) =>
          l.items
            .filter((i) => videos.has(i.videoId))
            .map((i, position) => ({ userId: l.userId, position, videoId: i.videoId, score: i.score, builtAt })),
        );
      for (let i = 0; i < rows.length; i += 1000) {
        await tx
          .insertInto('recommendations')
          .values(rows.slice(i, i + 1000))
          .execute();
      }
    });
  }

  /** Drops the lists of users the latest build did not write (they fall back to trending). */
  async pruneBuiltBefore(builtAt: Date): Promise<number> {
    const result = await this.db.deleteFrom('recommendations').where('builtAt', '<', builtAt).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * The user's list as it can be shown now: public ready videos of other owners that the user does not like,
   * best first, from `offset`.
   */
  async forUser(userId: string, opts: { limit: number; offset: number }): Promise<FeedVideo[]> {
    const rows = await this.db
      .selectFrom('recommendations')
      .innerJoin('videos', 'videos.id', 'recommendations.videoId')
      .innerJoin('users', 'users.id', 'videos.ownerId')
      .selectAll('videos')
      .select('users.displayName as ownerName')
      .where('recommendations.userId', '=', userId)
      .where('videos.visibility', '=', 'public')
      .where('videos.status', '=', 'ready')
      .where('videos.ownerId', '!=', userId)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('videoLikes')
              .select('videoLikes.videoId')
              .whereRef('videoLikes.videoId', '=', 'recommendations.videoId')
              .where('videoLikes.userId', '=', userId),
          ),
        ),
      )
      .orderBy('recommendations.position')
      .limit(Math.max(1, Math.floor(opts.limit)))
      .offset(Math.max(0, Math.floor(opts.offset)))
      .execute();
    return rows;
  }

  /** Whether the last build wrote a list for the user (else the feed is trending). */
  async has(userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('recommendations')
      .select('userId')
      .where('userId', '=', userId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
