export * from './fixtures.js';
export * from './ports.js';
export * from './stack.js';
