// The chunk registry and the engagement counters, in MySQL. A chunk's offset range is fixed here before any of its
// files are written, and its counts are added in the same transaction that marks it counted, so a chunk that is
// written twice (a crash before the Kafka commit, a rebalance) is counted once. Views are playback sessions: each is
// a video_views row, inserted once, so a session counts once across every chunk that carries its events.
import type { Database, Kysely } from '@reelforge/db';
import { type Generated, sql, type Transaction } from 'kysely';
import type { VideoCounts } from './parquet.writer.js';

interface LakeChunksTable {
  topic: string;
  kafkaPartition: number;
  firstOffset: number | string;
  lastOffset: number | string;
  events: number;
  countedAt: Generated<Date | null>;
  createdAt: Generated<Date>;
}

type LakeDb = Kysely<Database & { lakeChunks: LakeChunksTable }>;

/** Rows per INSERT … ON DUPLICATE KEY UPDATE; keeps each statement well under max_allowed_packet. */
const COUNT_ROWS_PER_STATEMENT = 1000;

export class ChunkRegistry {
  private readonly db: LakeDb;

  constructor(db: Kysely<Database>) {
    this.db = db as unknown as LakeDb;
  }

  async lookup(topic: string, partition: number, first: bigint): Promise<bigint | null> {
    const row = await this.db
      .selectFrom('lakeChunks')
      .select('lastOffset')
      .where('topic', '=', topic)
      .where('kafkaPartition', '=', partition)
      .where('firstOffset', '=', first.toString())
      .executeTakeFirst();
    return row ? BigInt(row.lastOffset) : null;
  }

  /** The first offset of the chunk that ends right before `next`, or null when there is none. */
  async previousFirst(topic: string, partition: number, next: bigint): Promise<bigint | null> {
    const row = await this.db
      .selectFrom('lakeChunks')
      .select('firstOffset')
      .where('topic', '=', topic)
      .where('kafkaPartition', '=', partition)
      .where('lastOffset', '=', (next - 1n).toString())
      .executeTakeFirst();
    return row ? BigInt(row.firstOffset) : null;
  }

  /** Fixes [first, last] unless a range starting at `first` was fixed already; returns the range's last offset. */
  async claim(topic: string, partition: number, first: bigint, last: bigint, events: number): Promise<bigint> {
    await this.db
      .insertInto('lakeChunks')
      .ignore()
      .values({
        topic,
        kafkaPartition: partition,
        firstOffset: first.toString(),
        lastOffset: last.toString(),
        events,
      })
      .execute();
    const fixed = await this.lookup(topic, partition, first);
    if (fixed === null) throw new Error(`chunk ${topic}[${partition}]@${first} vanished after it was claimed`);
    return fixed;
  }

  /** Adds a chunk's counts once; returns false when they had been added before. */
  async applyCounts(topic: string, partition: number, first: bigint, counts: VideoCounts[]): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const chunk = await tx
        .selectFrom('lakeChunks')
        .select('countedAt')
        .where('topic', '=', topic)
        .where('kafkaPartition', '=', partition)
        .where('firstOffset', '=', first.toString())
        .forUpdate()
        .executeTakeFirst();
      if (!chunk) throw new Error(`chunk ${topic}[${partition}]@${first} is not registered`);
      if (chunk.countedAt !== null) return false;
      const views = await this.countNewViews(tx, topic, partition, first, counts);
      // Sorted by video (the writer's query orders them) so concurrent chunks lock rows in one order.
      for (let i = 0; i < counts.length; i += COUNT_ROWS_PER_STATEMENT) {
        const rows = counts.slice(i, i + COUNT_ROWS_PER_STATEMENT);
        await sql`
          INSERT INTO video_engagement (video_id, views)
          VALUES ${sql.join(rows.map((c) => sql`(${c.videoId}, ${views.get(c.videoId) ?? 0})`))}
          ON DUPLICATE KEY UPDATE views = views + VALUES(views), updated_at = CURRENT_TIMESTAMP(3)
        `.execute(tx);
      }
      await tx
        .updateTable('lakeChunks')
        .set({ countedAt: new Date() })
        .where('topic', '=', topic)
        .where('kafkaPartition', '=', partition)
        .where('firstOffset', '=', first.toString())
        .execute();
      return true;
    });
  }

  /**
   * Records the chunk's viewing sessions, keeping any a chunk recorded before, and returns per video how many this
   * chunk added: the views it may count.
   */
  private async countNewViews(
    tx: Transaction<Database & { lakeChunks: LakeChunksTable }>,
    topic: string,
    partition: number,
    first: bigint,
    counts: VideoCounts[],
  ): Promise<Map<string, number>> {
    const sessions = counts.flatMap((c) => c.viewSessions.map((s) => [c.videoId, s] as const));
    if (sessions.length === 0) return new Map();
    const chunk = sql`${topic}, ${partition}, ${first.toString()}`;
    for (let i = 0; i < sessions.length; i += COUNT_ROWS_PER_STATEMENT) {
      const rows = sessions.slice(i, i + COUNT_ROWS_PER_STATEMENT);
      await sql`
        INSERT IGNORE INTO video_views (video_id, session_id, chunk_topic, chunk_partition, chunk_first)
        VALUES ${sql.join(rows.map(([video, session]) => sql`(${video}, ${session}, ${chunk})`))}
      `.execute(tx);
    }
    const added = await sql<{ video: string; views: number | string }>`
      SELECT video_id AS video, COUNT(*) AS views FROM video_views
      WHERE chunk_topic = ${topic} AND chunk_partition = ${partition} AND chunk_first = ${first.toString()}
      GROUP BY video_id
    `.execute(tx);
    return new Map(added.rows.map((r) => [r.video, Number(r.views)]));
  }

  /** Registry rows are only needed while their chunk can still be replayed; Kafka retention bounds that. */
  async prune(olderThan: Date): Promise<number> {
    const res = await this.db.deleteFrom('lakeChunks').where('createdAt', '<', olderThan).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
