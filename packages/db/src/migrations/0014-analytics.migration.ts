// Issue #19: the API keys the operator's servers send analytics events with (only a hash of each key is kept), and
// the recommender's per-user "For You" lists, which upload-api reads and re-filters at read time.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE api_keys (
      id         CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      name       VARCHAR(128) NOT NULL,
      -- SHA-256 of the whole key, hex: a key has 256 random bits, so a plain hash cannot be searched back.
      key_hash   CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      -- The key's first characters, to tell keys apart in a listing without keeping the secret.
      key_prefix VARCHAR(16)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      revoked_at DATETIME(3)  NULL,
      PRIMARY KEY (id),
      UNIQUE KEY api_keys_hash_uq (key_hash)
    ) ENGINE=InnoDB
  `.execute(db);
  await sql`
    CREATE TABLE recommendations (
      user_id  CHAR(36)          CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      position SMALLINT UNSIGNED NOT NULL,
      video_id CHAR(36)          CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      score    DOUBLE            NOT NULL,
      built_at DATETIME(3)       NOT NULL,
      PRIMARY KEY (user_id, position),
      KEY recommendations_video_idx (video_id),
      CONSTRAINT recommendations_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
      CONSTRAINT recommendations_video_fk FOREIGN KEY (video_id) REFERENCES videos (id) ON DELETE CASCADE
    ) ENGINE=InnoDB
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS recommendations`.execute(db);
  await sql`DROP TABLE IF EXISTS api_keys`.execute(db);
}
