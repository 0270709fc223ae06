// @reelforge/completion, for tests that run the whole pipeline in one process; deployments run dist/main.js.
export * from './completion.consumer.js';
export * from './completion.policy.js';
