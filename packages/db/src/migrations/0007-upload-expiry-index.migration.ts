// The upload sweeper asks every interval for direct uploads past their TTL (status = awaiting_upload, oldest
// expiry first); without this index that is a scan of every video ever uploaded.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX videos_status_expires_idx ON videos (status, upload_expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX videos_status_expires_idx ON videos`.execute(db);
}
