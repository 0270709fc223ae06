// The viewer side: users' display names (shown on feeds instead of anything about their account), one row per user
// and liked video (the like count is the number of rows, so the lake's count of like events goes), and the indexes
// the public feeds read by.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN display_name VARCHAR(64) NOT NULL DEFAULT ''`.execute(db);
  // Accounts made before display names get the default new ones get: the email's local part.
  await sql`UPDATE users SET display_name = LEFT(SUBSTRING_INDEX(email, '@', 1), 64) WHERE display_name = ''`.execute(
    db,
  );
  await sql`
    CREATE TABLE video_likes (
      video_id   CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      user_id    CHAR(36)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      -- Counting a video's likes reads this prefix; the primary key is what makes a second like a no-op.
      PRIMARY KEY (video_id, user_id),
      -- likedByMe for a page of videos: one user, a handful of ids.
      KEY video_likes_user_idx (user_id, video_id),
      CONSTRAINT video_likes_video_fk FOREIGN KEY (video_id) REFERENCES videos (id) ON DELETE CASCADE,
      CONSTRAINT video_likes_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
    ) ENGINE=InnoDB
  `.execute(db);
  await sql`ALTER TABLE video_engagement DROP COLUMN likes`.execute(db);
  // GET /v1/feed: public ready videos, newest first, by (created_at, id) keyset cursors.
  await sql`CREATE INDEX videos_feed_idx ON videos (visibility, status, created_at DESC, id DESC)`.execute(db);
  // GET /v1/feed/trending: public ready videos that became ready within the window; and the feed cache's version.
  await sql`CREATE INDEX videos_trending_idx ON videos (visibility, status, ready_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX videos_trending_idx ON videos`.execute(db);
  await sql`DROP INDEX videos_feed_idx ON videos`.execute(db);
  await sql`ALTER TABLE video_engagement ADD COLUMN likes BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER views`.execute(db);
  await sql`DROP TABLE IF EXISTS video_likes`.execute(db);
  await sql`ALTER TABLE users DROP COLUMN display_name`.execute(db);
}
