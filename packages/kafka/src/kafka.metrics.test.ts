import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { kafkaMetrics } from './kafka.metrics.js';

describe('kafkaMetrics', () => {
  it('registers each metric once and shares it between producers and consumers', async () => {
    const registry = new Registry();
    const a = kafkaMetrics(registry);
    const b = kafkaMetrics(registry);
    expect(b.consumed).toBe(a.consumed);
    a.consumed.inc({ topic: 'video.uploaded', outcome: 'ok' });
    b.consumed.inc({ topic: 'video.uploaded', outcome: 'ok' });
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual([
      'reelforge_kafka_consumer_lag',
      'reelforge_kafka_dlq_messages_total',
      'reelforge_kafka_handler_duration_seconds',
      'reelforge_kafka_messages_consumed_total',
      'reelforge_kafka_messages_produced_total',
      'reelforge_kafka_producer_errors_total',
    ]);
    expect(await registry.metrics()).toContain(
      'reelforge_kafka_messages_consumed_total{topic="video.uploaded",outcome="ok"} 2',
    );
  });
});
