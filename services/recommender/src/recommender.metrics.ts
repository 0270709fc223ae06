// What the recommender exports: how its builds go and what they covered (docs/observability.md lists them).
import { Counter, Gauge, type Registry } from 'prom-client';

export interface RecommenderMetrics {
  builds: Counter<'outcome'>;
  duration: Gauge;
  events: Gauge;
  users: Gauge;
  lastSuccess: Gauge;
}

export function recommenderMetrics(registry: Registry): RecommenderMetrics {
  return {
    builds: new Counter({
      name: 'reelforge_recommender_builds_total',
      help: 'For You builds, by outcome: ok, failed (the previous lists stay)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    duration: new Gauge({
      name: 'reelforge_recommender_build_duration_seconds',
      help: 'Wall time of the last build that succeeded: lake copy, model, MySQL writes',
      registers: [registry],
    }),
    events: new Gauge({
      name: 'reelforge_recommender_events',
      help: 'Lake events the last successful build read',
      registers: [registry],
    }),
    users: new Gauge({
      name: 'reelforge_recommender_users',
      help: 'Users the last successful build wrote a list for',
      registers: [registry],
    }),
    lastSuccess: new Gauge({
      name: 'reelforge_recommender_last_success_timestamp_seconds',
      help: 'When the last successful build started (Unix seconds)',
      registers: [registry],
    }),
  };
}
