// @reelforge/core: the small mechanisms every package shares, each in one place.

export * from './address.policy.js';
export * from './backoff.policy.js';
export * from './periodic.runner.js';
export * from './sleep.js';
