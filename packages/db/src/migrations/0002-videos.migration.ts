// Videos and their lifecycle. Enumerations are ASCII VARCHARs checked in code (video.state.ts), not ENUM or CHECK,
// so MySQL 8 and MariaDB behave the same and a new state needs no table rebuild.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE videos (
      id                  CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      owner_id            CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      title               VARCHAR(200)  NOT NULL,
      description         TEXT          NULL,
      visibility          VARCHAR(16)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'private',
      status              VARCHAR(16)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'awaiting_upload',
      attempt             INT UNSIGNED  NOT NULL DEFAULT 1,
      source_bucket       VARCHAR(63)   CHARACTER SET ascii COLLATE ascii_bin NULL,
      source_key          VARCHAR(1024) NULL,
      source_bytes        BIGINT UNSIGNED NULL,
      source_sha256       CHAR(64)      CHARACTER SET ascii COLLATE ascii_bin NULL,
      content_type        VARCHAR(255)  CHARACTER SET ascii COLLATE ascii_bin NULL,
      original_filename   VARCHAR(255)  NULL,
      multipart_upload_id VARCHAR(1024) CHARACTER SET ascii COLLATE ascii_bin NULL,
      upload_expires_at   DATETIME(3)   NULL,
      duration_sec        DOUBLE        NULL,
      width               INT UNSIGNED  NULL,
      height              INT UNSIGNED  NULL,
      progress_pct        TINYINT UNSIGNED NOT NULL DEFAULT 0,
      error_code          VARCHAR(64)   CHARACTER SET ascii COLLATE ascii_bin NULL,
      error_message       VARCHAR(2048) NULL,
      hls_master_key      VARCHAR(1024) NULL,
      poster_key          VARCHAR(1024) NULL,
      sprite_key          VARCHAR(1024) NULL,
      vtt_key             VARCHAR(1024) NULL,
      created_at          DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at          DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      ready_at            DATETIME(3)   NULL,
      PRIMARY KEY (id),
      -- A user's library, newest first, paged by (created_at, id) keyset cursors.
      KEY videos_owner_created_idx (owner_id, created_at DESC, id DESC),
      CONSTRAINT videos_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS videos`.execute(db);
}
