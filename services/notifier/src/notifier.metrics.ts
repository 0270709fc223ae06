// What the notifier counts, beside the Kafka consumer metrics of @reelforge/kafka on the same registry.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeliveryOutcome } from './delivery.policy.js';

export interface NotifierMetrics {
  deliveries: Counter<'outcome'>;
  attempts: Counter<'endpoint' | 'result'>;
  endpointsDisabled: Counter<'reason'>;
  fannedOut: Counter<'type'>;
}

export function notifierMetrics(registry: Registry, oldestDueAgeSeconds: () => Promise<number>): NotifierMetrics {
  let lastAge = 0;
  new Gauge({
    name: 'reelforge_webhook_oldest_pending_delivery_seconds',
    help: 'How long the oldest due delivery of an enabled endpoint has waited to be attempted',
    registers: [registry],
    // Read at scrape time; MySQL unreachable keeps the last value rather than failing the whole scrape.
    async collect() {
      lastAge = await oldestDueAgeSeconds().catch(() => lastAge);
      this.set(lastAge);
    },
  });
  return {
    deliveries: new Counter({
      name: 'reelforge_webhook_deliveries_total',
      help: 'Attempts by what they meant for their delivery: delivered, retry (scheduled), exhausted, gone (410)',
      labelNames: ['outcome'] satisfies (keyof { outcome: DeliveryOutcome })[],
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'reelforge_webhook_attempts_total',
      help: 'Delivery attempts per endpoint id, by result (success: 2xx; failure: anything else or no answer)',
      labelNames: ['endpoint', 'result'],
      registers: [registry],
    }),
    endpointsDisabled: new Counter({
      name: 'reelforge_webhook_endpoints_disabled_total',
      help: 'Endpoints the notifier disabled, by reason (gone: a 410; failing: failing for the whole window)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    fannedOut: new Counter({
      name: 'reelforge_webhook_events_total',
      help: 'Deliveries created from video.status-changed messages, by event type',
      labelNames: ['type'],
      registers: [registry],
    }),
  };
}
