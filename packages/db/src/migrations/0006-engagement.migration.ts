// Engagement read model: per-video view and like counts for the video resource, and the lake writer's chunk
// registry, which fixes each chunk's offset range once and records whether its counts were applied, so a replay
// after a crash rewrites the same lake objects and never counts an event twice. No foreign key to videos: events
// may name a video that was deleted, or not yet visible to this database, and must not stall the writer.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE video_engagement (
      video_id   CHAR(36)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      views      BIGINT UNSIGNED NOT NULL DEFAULT 0,
      likes      BIGINT UNSIGNED NOT NULL DEFAULT 0,
      updated_at DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (video_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  `.execute(db);
  await sql`
    CREATE TABLE lake_chunks (
      topic           VARCHAR(249)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      kafka_partition INT UNSIGNED    NOT NULL,
      first_offset    BIGINT UNSIGNED NOT NULL,
      last_offset     BIGINT UNSIGNED NOT NULL,
      events          INT UNSIGNED    NOT NULL,
      counted_at      DATETIME(3)     NULL,
      created_at      DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (topic, kafka_partition, first_offset),
      KEY lake_chunks_created_idx (created_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS lake_chunks`.execute(db);
  await sql`DROP TABLE IF EXISTS video_engagement`.execute(db);
}
