// The transactional outbox: Kafka messages written in the same transaction as the state change they announce, and
// published afterwards by a relay. Payloads are LONGTEXT JSON because MariaDB's JSON type is only an alias.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE outbox (
      id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      topic            VARCHAR(249)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      message_key      VARCHAR(255)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
      payload          LONGTEXT      NOT NULL,
      headers          LONGTEXT      NULL,
      created_at       DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      available_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      sent_at          DATETIME(3)   NULL,
      publish_attempts INT UNSIGNED  NOT NULL DEFAULT 0,
      last_error       VARCHAR(2048) NULL,
      PRIMARY KEY (id),
      -- The relay's claim scans unsent rows in (available_at, id) order and stops at its batch size.
      KEY outbox_unsent_idx (sent_at, available_at, id),
      -- Per-key ordering: is there an earlier unsent message with this key?
      KEY outbox_key_idx (message_key, id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS outbox`.execute(db);
}
