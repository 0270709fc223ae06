// The series the observability consumer exports, all prefixed reelforge_engagement_ (docs/observability.md lists them).
import { Counter, Gauge, type Registry } from 'prom-client';

export interface EngagementMetrics {
  events: Counter<'event_type' | 'content_type' | 'source'>;
  watchSeconds: Counter<'content_type'>;
  invalid: Counter;
  lag: Gauge<'partition'>;
}

export function engagementMetrics(registry: Registry, activeSessions: () => number): EngagementMetrics {
  new Gauge({
    name: 'reelforge_engagement_active_sessions',
    help: 'Playback sessions with an event within SESSION_IDLE_SEC whose last event was not a stop',
    registers: [registry],
    collect() {
      this.set(activeSessions());
    },
  });
  return {
    events: new Counter({
      name: 'reelforge_engagement_events_total',
      help: 'Engagement events read from engagement.events, by event type, content type (video for Reelforge videos) and source (client app or event_source)',
      labelNames: ['event_type', 'content_type', 'source'],
      registers: [registry],
    }),
    watchSeconds: new Counter({
      name: 'reelforge_engagement_watch_seconds_total',
      help: 'Seconds of content played, from the playhead between a session’s events while it plays',
      labelNames: ['content_type'],
      registers: [registry],
    }),
    invalid: new Counter({
      name: 'reelforge_engagement_records_invalid_total',
      help: 'Records on engagement.events that are not a readable engagement event (skipped)',
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'reelforge_engagement_consumer_lag',
      help: "Messages of engagement.events not yet read by this consumer's group, per partition, after its last batch",
      labelNames: ['partition'],
      registers: [registry],
    }),
  };
}
