// Likes as per-user state: one row per (video, user). A second like or an unlike of nothing changes no row, which is
// what makes PUT/DELETE idempotent and lets the caller announce only real changes.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';

export class LikeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** True when the row was added (the user did not like it yet). */
  async add(tx: Transaction<Database>, videoId: string, userId: string): Promise<boolean> {
    const result = await tx.insertInto('videoLikes').ignore().values({ videoId, userId }).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** True when a row was removed. */
  async remove(tx: Transaction<Database>, videoId: string, userId: string): Promise<boolean> {
    const result = await tx
      .deleteFrom('videoLikes')
      .where('videoId', '=', videoId)
      .where('userId', '=', userId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** How many users like each of `ids`; absent when none. */
  async countsOf(ids: readonly string[], tx?: Transaction<Database>): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await (tx ?? this.db)
      .selectFrom('videoLikes')
      .select(['videoId', (eb) => eb.fn.countAll<number | string>().as('likes')])
      .where('videoId', 'in', ids)
      .groupBy('videoId')
      .execute();
    return new Map(rows.map((r) => [r.videoId, Number(r.likes)]));
  }

  /** Which of `ids` the user likes. */
  async likedBy(userId: string, ids: readonly string[], tx?: Transaction<Database>): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await (tx ?? this.db)
      .selectFrom('videoLikes')
      .select('videoId')
      .where('userId', '=', userId)
      .where('videoId', 'in', ids)
      .execute();
    return new Set(rows.map((r) => r.videoId));
  }
}
