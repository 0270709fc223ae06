export * from './app-error.js';
export * from './engagement.js';
export * from './http/index.js';
export * from './job-spec.js';
export * from './messages.js';
export * from './owner-message.js';
export * from './topics.js';
