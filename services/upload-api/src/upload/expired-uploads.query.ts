// The one query the sweeper needs that the shared repositories do not have: direct uploads past their TTL.
import type { Database, Kysely, Video } from '@reelforge/db';

export class ExpiredUploadsQuery {
  constructor(private readonly db: Kysely<Database>) {}

  /** Oldest first. Several replicas may read the same rows; the expiry itself is a compare-and-set. */
  find(now: Date, limit: number): Promise<Video[]> {
    return this.db
      .selectFrom('videos')
      .selectAll()
      .where('status', '=', 'awaiting_upload')
      .where('uploadExpiresAt', '<=', now)
      .orderBy('uploadExpiresAt')
      .limit(limit)
      .execute();
  }
}
