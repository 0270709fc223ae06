// The playable outputs of a video's successful attempt. Keyed by (video_id, name): recording one completion twice
// leaves one set.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE renditions (
      video_id     CHAR(36)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      name         VARCHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      attempt      INT UNSIGNED    NOT NULL,
      width        INT UNSIGNED    NOT NULL,
      height       INT UNSIGNED    NOT NULL,
      bitrate_kbps INT UNSIGNED    NOT NULL,
      codecs       VARCHAR(255)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      mp4_key      VARCHAR(1024)   NOT NULL,
      playlist_key VARCHAR(1024)   NOT NULL,
      bytes        BIGINT UNSIGNED NOT NULL,
      created_at   DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (video_id, name),
      CONSTRAINT renditions_video_fk FOREIGN KEY (video_id) REFERENCES videos (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS renditions`.execute(db);
}
