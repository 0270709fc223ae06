// For callers that embed the pipeline rather than run the CLI or the task (tests, tools).
export * from './env.js';
export * from './progress.steps.js';
export * from './transcode.service.js';
