// One row per playback session that counted a view: the lake writer inserts it (ignoring one that exists) in the
// transaction that applies a chunk's counts, and adds to video_engagement.views only the rows that chunk inserted,
// so a session counts once however many events, chunks or replays carry it. The chunk columns say which chunk
// counted it (and let the writer find what it just inserted).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE video_views (
      video_id        CHAR(36)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      session_id      VARCHAR(128)    CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      chunk_topic     VARCHAR(249)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      chunk_partition INT UNSIGNED    NOT NULL,
      chunk_first     BIGINT UNSIGNED NOT NULL,
      created_at      DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (video_id, session_id),
      KEY video_views_chunk_idx (chunk_topic, chunk_partition, chunk_first)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS video_views`.execute(db);
}
