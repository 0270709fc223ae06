export * from './fixtures.js';
export * from './stack.js';
