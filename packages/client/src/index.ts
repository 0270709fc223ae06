// @reelforge/client: the upload API's SDK for browsers and Node (file reading for Node is in `./node`).
export type { components, paths } from './api.generated.js';
export * from './client.js';
export * from './direct.upload.js';
export * from './live.status.js';
export * from './playback.reporter.js';
export * from './upload.resume.js';
