// @reelforge/notifier: webhooks for video status changes (main.ts runs it; tests use the parts).
export * from './delivery.loop.js';
export * from './delivery.policy.js';
export * from './delivery.sender.js';
export * from './env.js';
export * from './fanout.consumer.js';
export * from './notifier.metrics.js';
export * from './webhook.event.js';
export * from './webhook.signature.js';
