// The signed tokens alone, for services that verify them without touching the object store (no AWS SDK loaded).
export * from './playback.token.js';
export * from './playback-session.token.js';
