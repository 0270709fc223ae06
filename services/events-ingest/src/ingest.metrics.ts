// What the ingest service counts, beside the Kafka producer metrics of @reelforge/kafka on the same registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type EventOutcome = 'accepted' | 'invalid' | 'rate_limited';

export interface IngestMetrics {
  events: Counter<'outcome'>;
  requestDuration: Histogram<'status'>;
  batchSize: Histogram;
  requestsRefused: Counter<'reason'>;
}

export function ingestMetrics(registry: Registry, pendingBytes: () => number): IngestMetrics {
  new Gauge({
    name: 'reelforge_events_produce_pending_bytes',
    help: 'Accepted event bytes waiting for Kafka acknowledgement',
    registers: [registry],
    collect() {
      this.set(pendingBytes());
    },
  });
  return {
    events: new Counter({
      name: 'reelforge_events_ingested_total',
      help: 'Events received on POST /v1/events, by outcome: accepted (on Kafka), invalid, rate_limited',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'reelforge_events_request_duration_seconds',
      help: 'POST /v1/events from first byte to reply, Kafka acknowledgement included',
      labelNames: ['status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'reelforge_events_batch_size',
      help: 'Events per POST /v1/events request',
      buckets: [1, 10, 50, 100, 500, 1000, 2500, 5000, 10_000],
      registers: [registry],
    }),
    requestsRefused: new Counter({
      name: 'reelforge_events_session_refused_total',
      help: 'POST /v1/events refused for its credentials: missing, malformed, bad-signature (forged, retired secret), expired (session tokens), api_key (unknown or revoked)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
