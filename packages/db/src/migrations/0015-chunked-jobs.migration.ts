// Chunked transcoding (issue #20): a job split into parts, each launched, retried and reaped alone, and what an
// attempt cost in compute. One row per part of a chunked attempt: its `aux` part (done by the planning task
// itself), each `chunk`, and the one `stitch`, created by the transition that saw the last of the others done.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // chunk_count: set when the job is planned as chunks (its parts, not its first task, are then reaped). task_seconds:
  // the whole task's, or the stitch's; task_cpu (ECS units, 1024 a vCPU) and memory: the size every task of it ran at.
  await sql`
    ALTER TABLE transcode_jobs
      ADD COLUMN chunk_count     SMALLINT UNSIGNED NULL AFTER capacity_waits,
      ADD COLUMN task_seconds    DOUBLE NOT NULL DEFAULT 0 AFTER chunk_count,
      ADD COLUMN task_cpu        INT UNSIGNED NULL AFTER task_seconds,
      ADD COLUMN task_memory_mib INT UNSIGNED NULL AFTER task_cpu
  `.execute(db);
  await sql`
    CREATE TABLE transcode_parts (
      id             CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      job_id         CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      video_id       CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      attempt        INT UNSIGNED  NOT NULL,
      kind           VARCHAR(8)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      -- The chunk's index; 0 for the aux and stitch parts (one of each per job).
      chunk_index    SMALLINT UNSIGNED NOT NULL DEFAULT 0,
      start_sec      DOUBLE        NULL,
      end_sec        DOUBLE        NULL,
      status         VARCHAR(16)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'pending',
      part_attempt   INT UNSIGNED  NOT NULL DEFAULT 1,
      task_id        VARCHAR(512)  CHARACTER SET ascii COLLATE ascii_bin NULL,
      launch_token   VARCHAR(64)   CHARACTER SET ascii COLLATE ascii_bin NULL,
      launch_after   DATETIME(3)   NULL,
      capacity_waits INT UNSIGNED  NOT NULL DEFAULT 0,
      deadline_at    DATETIME(3)   NOT NULL,
      -- Over every part-attempt: a retried chunk cost its failed tries too.
      task_seconds   DOUBLE        NOT NULL DEFAULT 0,
      started_at     DATETIME(3)   NULL,
      finished_at    DATETIME(3)   NULL,
      exit_code      INT           NULL,
      error_code     VARCHAR(64)   CHARACTER SET ascii COLLATE ascii_bin NULL,
      error_message  VARCHAR(2048) NULL,
      created_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      updated_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id),
      -- A redelivered plan or a second "all done" creates nothing twice.
      UNIQUE KEY transcode_parts_job_part_uq (job_id, kind, chunk_index),
      -- The reaper and launch recovery, as on transcode_jobs.
      KEY transcode_parts_status_deadline_idx (status, deadline_at),
      KEY transcode_parts_status_updated_idx (status, updated_at),
      CONSTRAINT transcode_parts_job_fk FOREIGN KEY (job_id) REFERENCES transcode_jobs (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS transcode_parts`.execute(db);
  await sql`
    ALTER TABLE transcode_jobs
      DROP COLUMN task_memory_mib,
      DROP COLUMN task_cpu,
      DROP COLUMN task_seconds,
      DROP COLUMN chunk_count
  `.execute(db);
}
