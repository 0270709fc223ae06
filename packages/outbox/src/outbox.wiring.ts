// How a service's main.ts starts its relay from the env fragment every outbox writer shares (packages/config).
import type { Database, Kysely } from '@reelforge/db';
import { createEventProducer } from '@reelforge/kafka';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { OutboxRelay, type OutboxRelayOptions } from './outbox.relay.js';

/** The variables of `outboxRelayEnv`, as its zod schema parses them. */
export interface OutboxRelayEnv {
  KAFKA_TOPIC_PREFIX: string;
  OUTBOX_POLL_MS: number;
  OUTBOX_BATCH_SIZE: number;
  OUTBOX_LEASE_SEC: number;
  OUTBOX_RETENTION_DAYS: number;
  OUTBOX_PRUNE_INTERVAL_SEC: number;
}

export const relayOptionsFromEnv = (env: OutboxRelayEnv): Partial<OutboxRelayOptions> => ({
  pollMs: env.OUTBOX_POLL_MS,
  batchSize: env.OUTBOX_BATCH_SIZE,
  leaseMs: env.OUTBOX_LEASE_SEC * 1000,
  retentionMs: env.OUTBOX_RETENTION_DAYS * 24 * 3600 * 1000,
  pruneIntervalMs: env.OUTBOX_PRUNE_INTERVAL_SEC * 1000,
});

/** A relay with its own idempotent producer; the caller starts it (when OUTBOX_RELAY_ENABLED) and stops it. */
export function outboxRelayFromEnv(
  env: OutboxRelayEnv,
  deps: { db: Kysely<Database>; kafka: Kafka; logger: Logger; registry: Registry },
): OutboxRelay {
  const logger = deps.logger.child({ component: 'outbox-relay' });
  return new OutboxRelay({
    db: deps.db,
    producer: createEventProducer(deps.kafka, { topicPrefix: env.KAFKA_TOPIC_PREFIX, registry: deps.registry, logger }),
    logger,
    registry: deps.registry,
    options: relayOptionsFromEnv(env),
  });
}
