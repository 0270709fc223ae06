// @reelforge/outbox: the relay that publishes the transactional outbox (packages/db) to Kafka, and prunes it.
export * from './outbox.metrics.js';
export * from './outbox.relay.js';
export * from './outbox.wiring.js';
