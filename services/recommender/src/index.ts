// What the offline evaluation (bench/recommender.bench.ts) uses of the recommender.
export * from './co-engagement.model.js';
export * from './lake.snapshot.js';
export * from './recommender.job.js';
