export * from './fixtures.js';
export * from './ports.js';
export * from './stack.js';
export * from './webhook.receiver.js';
