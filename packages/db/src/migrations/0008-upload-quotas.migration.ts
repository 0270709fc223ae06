// Per-user upload quotas, counted in MySQL so every replica sees the same numbers. A streamed upload holds a lease
// while its bytes flow (renewed as it goes, so one a crashed replica left behind stops counting on its own); bytes
// reserved per UTC day live in one counter row per user and day. Open direct uploads and unfinished videos are
// counted from `videos`, hence the index.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE upload_leases (
      id          CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      user_id     CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      lease_until DATETIME(3) NOT NULL,
      created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      KEY upload_leases_user_idx (user_id, lease_until),
      CONSTRAINT upload_leases_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
    ) ENGINE=InnoDB
  `.execute(db);
  await sql`
    CREATE TABLE upload_usage (
      user_id CHAR(36)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      day     DATE            NOT NULL,
      bytes   BIGINT UNSIGNED NOT NULL DEFAULT 0,
      PRIMARY KEY (user_id, day),
      CONSTRAINT upload_usage_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
    ) ENGINE=InnoDB
  `.execute(db);
  await sql`CREATE INDEX videos_owner_status_idx ON videos (owner_id, status)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX videos_owner_status_idx ON videos`.execute(db);
  await sql`DROP TABLE IF EXISTS upload_usage`.execute(db);
  await sql`DROP TABLE IF EXISTS upload_leases`.execute(db);
}
