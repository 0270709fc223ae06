// Producer and consumer metrics. A process may start several consumers and producers on one registry, so each
// metric is registered once and shared.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ConsumeOutcome = 'ok' | 'retried' | 'dlq' | 'parked' | 'failed';

export interface KafkaMetrics {
  /**
   * One count per delivery: ok first time, retried = ok after in-process retries, dlq = undecodable, parked = sent
   * to the DLQ after its handler kept failing, failed = left to redeliver.
   */
  consumed: Counter<'topic' | 'outcome'>;
  handlerDuration: Histogram<'topic'>;
  /** Records sent to `<topic>.dlq`, by reason: undecodable, handler-failed (parked). */
  dlq: Counter<'topic' | 'reason'>;
  lag: Gauge<'topic' | 'partition'>;
  produced: Counter<'topic'>;
  producerErrors: Counter<'topic'>;
}

export function kafkaMetrics(registry: Registry): KafkaMetrics {
  const shared = <M>(name: string, create: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? create();
  return {
    consumed: shared(
      'reelforge_kafka_messages_consumed_total',
      () =>
        new Counter({
          name: 'reelforge_kafka_messages_consumed_total',
          help: 'Kafka deliveries handled, by outcome: ok, retried (ok after retries), dlq (undecodable), parked (handler kept failing), failed (will be redelivered)',
          labelNames: ['topic', 'outcome'],
          registers: [registry],
        }),
    ),
    handlerDuration: shared(
      'reelforge_kafka_handler_duration_seconds',
      () =>
        new Histogram({
          name: 'reelforge_kafka_handler_duration_seconds',
          help: 'Time spent in one call of a Kafka message handler',
          labelNames: ['topic'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers: [registry],
        }),
    ),
    dlq: shared(
      'reelforge_kafka_dlq_messages_total',
      () =>
        new Counter({
          name: 'reelforge_kafka_dlq_messages_total',
          help: 'Kafka messages sent to the dead-letter topic, by reason: undecodable, handler-failed (parked)',
          labelNames: ['topic', 'reason'],
          registers: [registry],
        }),
    ),
    lag: shared(
      'reelforge_kafka_consumer_lag',
      () =>
        new Gauge({
          name: 'reelforge_kafka_consumer_lag',
          help: 'Messages behind the partition high watermark, as of the last message handled',
          labelNames: ['topic', 'partition'],
          registers: [registry],
        }),
    ),
    produced: shared(
      'reelforge_kafka_messages_produced_total',
      () =>
        new Counter({
          name: 'reelforge_kafka_messages_produced_total',
          help: 'Kafka messages acknowledged by the brokers',
          labelNames: ['topic'],
          registers: [registry],
        }),
    ),
    producerErrors: shared(
      'reelforge_kafka_producer_errors_total',
      () =>
        new Counter({
          name: 'reelforge_kafka_producer_errors_total',
          help: 'Kafka sends that failed after the client retries',
          labelNames: ['topic'],
          registers: [registry],
        }),
    ),
  };
}
