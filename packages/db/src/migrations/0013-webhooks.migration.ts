// Webhooks: the endpoints users register, one delivery per (endpoint, event) — the notifier's schedule, kept here
// rather than in retry topics — and every attempt of a delivery, which the API lists.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webhook_endpoints (
      id                          CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      owner_id                    CHAR(36)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      url                         VARCHAR(2048) NOT NULL,
      description                 VARCHAR(500)  NOT NULL DEFAULT '',
      -- A JSON array of event types; the notifier matches an owner's few endpoints in memory.
      events                      VARCHAR(255)  NOT NULL,
      secret                      VARCHAR(100)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      -- Until previous_secret_expires_at deliveries are signed with both (POST /v1/webhooks/:id/rotate).
      previous_secret             VARCHAR(100)  CHARACTER SET ascii COLLATE ascii_bin NULL,
      previous_secret_expires_at  DATETIME(3)   NULL,
      enabled                     BOOLEAN       NOT NULL DEFAULT TRUE,
      disabled_reason             VARCHAR(500)  NULL,
      -- The first failed attempt since the last success: the disable decision measures from it.
      failing_since               DATETIME(3)   NULL,
      created_at                  DATETIME(3)   NOT NULL,
      updated_at                  DATETIME(3)   NOT NULL,
      PRIMARY KEY (id),
      KEY webhook_endpoints_owner_idx (owner_id, created_at),
      CONSTRAINT webhook_endpoints_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE
    ) ENGINE=InnoDB
  `.execute(db);
  await sql`
    CREATE TABLE webhook_deliveries (
      id               CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      endpoint_id      CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      -- The webhook-id header: the event's id, the same on every attempt and on a redelivery of its Kafka message.
      event_id         VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      event_type       VARCHAR(64)  NOT NULL,
      video_id         CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NULL,
      -- The JSON body, fixed when the delivery is created: every attempt sends the same bytes.
      payload          MEDIUMTEXT   NOT NULL,
      status           ENUM('pending', 'delivered', 'failed') NOT NULL,
      attempts         INT UNSIGNED NOT NULL DEFAULT 0,
      -- Due from then; a sender's claim pushes it a lease ahead, so a sender that died leaves it due again.
      next_attempt_at  DATETIME(3)  NULL,
      created_at       DATETIME(3)  NOT NULL,
      updated_at       DATETIME(3)  NOT NULL,
      PRIMARY KEY (id),
      UNIQUE KEY webhook_deliveries_event_uq (endpoint_id, event_id),
      KEY webhook_deliveries_due_idx (status, next_attempt_at),
      KEY webhook_deliveries_endpoint_idx (endpoint_id, created_at),
      CONSTRAINT webhook_deliveries_endpoint_fk FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id)
        ON DELETE CASCADE
    ) ENGINE=InnoDB
  `.execute(db);
  await sql`
    CREATE TABLE webhook_attempts (
      id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      delivery_id      CHAR(36)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
      attempted_at     DATETIME(3)  NOT NULL,
      status_code      SMALLINT UNSIGNED NULL,
      latency_ms       INT UNSIGNED NOT NULL,
      error            VARCHAR(500) NULL,
      next_attempt_at  DATETIME(3)  NULL,
      PRIMARY KEY (id),
      KEY webhook_attempts_delivery_idx (delivery_id, id),
      CONSTRAINT webhook_attempts_delivery_fk FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id)
        ON DELETE CASCADE
    ) ENGINE=InnoDB
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS webhook_attempts`.execute(db);
  await sql`DROP TABLE IF EXISTS webhook_deliveries`.execute(db);
  await sql`DROP TABLE IF EXISTS webhook_endpoints`.execute(db);
}
