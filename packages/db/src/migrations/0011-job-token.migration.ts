// Each job's secret: the task puts it on every report, and a report whose token is not its job's changes nothing, so
// a compromised task cannot speak for another job. Jobs that exist already get one too: the reaper reads it from the
// row for its TASK_LOST, so no job is left without a token its reports could carry.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE transcode_jobs ADD COLUMN job_token CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER launch_token
  `.execute(db);
  // RANDOM_BYTES is the server's CSPRNG (MySQL 5.6+, MariaDB 10.10+).
  await sql`UPDATE transcode_jobs SET job_token = LOWER(HEX(RANDOM_BYTES(32)))`.execute(db);
  await sql`ALTER TABLE transcode_jobs MODIFY job_token CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE transcode_jobs DROP COLUMN job_token`.execute(db);
}
