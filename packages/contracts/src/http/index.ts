export * from './auth.dto.js';
export * from './feed.dto.js';
export * from './playback-session.dto.js';
export * from './problem.dto.js';
export * from './upload.dto.js';
export * from './video.dto.js';
export * from './webhook.dto.js';
