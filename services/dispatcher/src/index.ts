// The dispatcher's modules, for benchmarks and tests that run it in-process; the service itself is main.ts.
export * from './dispatch.consumer.js';
export * from './dispatch.service.js';
export * from './dispatcher.metrics.js';
export * from './ecs.launcher.js';
export * from './ecs.run-task.js';
export * from './env.js';
export * from './job.deadline.js';
export * from './launch.request.js';
export * from './launch.slots.js';
export * from './launcher.factory.js';
export * from './local-process.launcher.js';
export * from './noop.launcher.js';
export * from './reap.verdict.js';
export * from './reaper.service.js';
export * from './running-jobs.query.js';
export * from './task.launcher.js';
export * from './video.gate.js';
