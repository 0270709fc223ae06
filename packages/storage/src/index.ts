export * from './object.keys.js';
export * from './object.store.js';
export * from './playback.token.js';
export * from './public-read.policy.js';
export * from './s3.client.js';
