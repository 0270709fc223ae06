// Reads `engagement.events` in its own consumer group and feeds the aggregator. Metrics need no exactly-once: a
// batch is counted, then its offsets are committed (kafkajs auto-commit after each batch), so a crash can count a
// batch twice but never stalls a partition. Nothing here writes anywhere, so nothing goes to a DLQ: an unreadable
// record is counted and skipped.
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { observe, type SessionTracker, type SourceLabels } from './engagement.aggregator.js';
import type { EngagementMetrics } from './engagement.metrics.js';

export interface EngagementConsumerOptions {
  kafka: Kafka;
  groupId: string;
  /** The full topic name, prefix included. */
  topic: string;
  /** New groups start at the end: the dashboards show what happens now, not the topic's history. */
  fromBeginning?: boolean;
  sessions: SessionTracker;
  sources: SourceLabels;
  metrics: EngagementMetrics;
  logger: Logger;
}

export interface EngagementConsumer {
  /** Whether the consumer is in its group (readiness). */
  isRunning(): boolean;
  stop(): Promise<void>;
}

export async function startEngagementConsumer(opts: EngagementConsumerOptions): Promise<EngagementConsumer> {
  const { metrics, sessions, sources } = opts;
  let stopping = false;
  let running = false;
  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    maxWaitTimeInMs: 500,
    retry: { restartOnFailure: async () => !stopping },
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    running = true;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    running = false;
    opts.logger.error({ err: e.payload.error }, 'engagement consumer crashed');
  });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning ?? false });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const o = message.value ? observe(message.value.toString('utf8')) : null;
        if (o === null) {
          metrics.invalid.inc();
          continue;
        }
        metrics.events.inc({ event_type: o.eventType, content_type: o.contentType, source: sources.label(o.source) });
        const watched = sessions.apply(o);
        if (watched > 0) metrics.watchSeconds.inc({ content_type: o.contentType }, watched);
      }
      metrics.lag.set({ partition: String(batch.partition) }, Math.max(0, Number(batch.offsetLag())));
    },
  });
  return {
    isRunning: () => running,
    stop: async () => {
      stopping = true;
      running = false;
      await consumer.disconnect();
    },
  };
}
