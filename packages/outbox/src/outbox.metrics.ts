// The relay's metrics, registered once per registry and shared by the relays of a process. The service label comes
// from the registry (createRegistry), so each service's relay shows apart.
import type { OutboxRepository } from '@reelforge/db';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface OutboxMetrics {
  published: Counter<'topic'>;
  failures: Counter<'topic'>;
  pruned: Counter;
}

export function outboxMetrics(registry: Registry, outbox: OutboxRepository): OutboxMetrics {
  const shared = <M>(name: string, create: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? create();
  shared(
    'reelforge_outbox_oldest_unsent_age_seconds',
    () =>
      new Gauge({
        name: 'reelforge_outbox_oldest_unsent_age_seconds',
        help: 'How long the oldest publishable outbox row has waited (0 when none)',
        registers: [registry],
        async collect() {
          this.set(await outbox.oldestUnsentAgeSeconds());
        },
      }),
  );
  return {
    published: shared(
      'reelforge_outbox_published_total',
      () =>
        new Counter({
          name: 'reelforge_outbox_published_total',
          help: 'Outbox rows published to Kafka',
          labelNames: ['topic'],
          registers: [registry],
        }),
    ),
    failures: shared(
      'reelforge_outbox_publish_failures_total',
      () =>
        new Counter({
          name: 'reelforge_outbox_publish_failures_total',
          help: 'Outbox rows whose publish failed and were rescheduled',
          labelNames: ['topic'],
          registers: [registry],
        }),
    ),
    pruned: shared(
      'reelforge_outbox_pruned_total',
      () =>
        new Counter({
          name: 'reelforge_outbox_pruned_total',
          help: 'Sent outbox rows deleted after the retention',
          registers: [registry],
        }),
    ),
  };
}
