// One transcode job per (video, attempt): the unique key is what makes a redelivered "launch it" message harmless.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE transcode_jobs (
      id            CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      video_id      CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      attempt       INT UNSIGNED  NOT NULL,
      status        VARCHAR(16)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'pending',
      launcher      VARCHAR(16)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      task_id       VARCHAR(512)  CHARACTER SET ascii COLLATE ascii_bin NULL,
      launch_token  VARCHAR(64)   CHARACTER SET ascii COLLATE ascii_bin NULL,
      deadline_at   DATETIME(3)   NOT NULL,
      started_at    DATETIME(3)   NULL,
      finished_at   DATETIME(3)   NULL,
      exit_code     INT           NULL,
      error_code    VARCHAR(64)   CHARACTER SET ascii COLLATE ascii_bin NULL,
      error_message VARCHAR(2048) NULL,
      created_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      UNIQUE KEY transcode_jobs_video_attempt_uq (video_id, attempt),
      -- The reaper: launching/running jobs past their deadline.
      KEY transcode_jobs_status_deadline_idx (status, deadline_at),
      -- Launch recovery: pending/launching jobs untouched for a while.
      KEY transcode_jobs_status_updated_idx (status, updated_at),
      CONSTRAINT transcode_jobs_video_fk FOREIGN KEY (video_id) REFERENCES videos (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS transcode_jobs`.execute(db);
}
