export * from './object.keys.js';
export * from './object.store.js';
export * from './playback.token.js';
export * from './playback-session.token.js';
export * from './s3.client.js';
export * from './task-session.credentials.js';
