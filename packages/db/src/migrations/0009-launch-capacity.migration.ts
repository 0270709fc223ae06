// The global cap on transcoder tasks: one row every claim for launch locks (so replicas counting the jobs in flight
// take turns and cannot both take the last slot), and on each job when a waiting one may be claimed — at once when
// it waited for the cap, after a backoff when ECS had no capacity — and how often it has waited so.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE launch_capacity (
      id TINYINT UNSIGNED NOT NULL,
      PRIMARY KEY (id)
    ) ENGINE=InnoDB
  `.execute(db);
  await sql`INSERT INTO launch_capacity (id) VALUES (1)`.execute(db);
  await sql`
    ALTER TABLE transcode_jobs
      ADD COLUMN launch_after   DATETIME(3)  NULL AFTER launch_token,
      ADD COLUMN capacity_waits INT UNSIGNED NOT NULL DEFAULT 0 AFTER launch_after,
      ADD KEY transcode_jobs_status_launch_after_idx (status, launch_after)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE transcode_jobs
      DROP KEY transcode_jobs_status_launch_after_idx,
      DROP COLUMN capacity_waits,
      DROP COLUMN launch_after
  `.execute(db);
  await sql`DROP TABLE IF EXISTS launch_capacity`.execute(db);
}
