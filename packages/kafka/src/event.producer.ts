// Publishes catalog events: validated against their contract, keyed by the catalog, idempotent and acknowledged by
// all in-sync replicas. `sendRaw` is for the outbox relay, whose rows hold JSON that was validated when written.
import { AppError, type MessageOf, type TopicName, topics } from '@reelforge/contracts';
import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type KafkaMetrics, kafkaMetrics } from './kafka.metrics.js';
import { describeIssues } from './message.decoder.js';
import { CONTENT_TYPE_JSON, eventHeaders } from './message.headers.js';

export interface EventProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Throws on a message its contract refuses: publishing one is a programming error, not a runtime condition. */
  send<T extends TopicName>(topic: T, messages: MessageOf<T>[]): Promise<void>;
  /** `topic` is a catalog name like send()'s; the prefix is applied the same way. */
  sendRaw(topic: string, messages: RawMessage[]): Promise<void>;
}

export interface RawMessage {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

export interface EventProducerOptions {
  topicPrefix?: string;
  registry?: Registry;
  logger?: Logger;
}

/** The kafkajs producer settings for idempotent, fully acknowledged sends (also used for DLQ writes). */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    // kafkajs tracks idempotent sequence numbers itself and serialises sends per broker; one request in flight
    // keeps those sequences gapless (Kafka allows up to 5, kafkajs is only safe at 1).
    maxInFlightRequests: 1,
    // The Java-compatible murmur2 partitioner, named so kafkajs does not warn about its v2 default change.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** The kafkajs record for one catalog event: the parsed message (defaults applied, unknown keys dropped). */
export function buildEventRecord<T extends TopicName>(topic: T, message: MessageOf<T>): Message {
  const spec = topics[topic];
  const parsed = spec.schema.safeParse(message);
  if (!parsed.success) {
    throw new AppError('INTERNAL', `refusing to publish an invalid ${topic} message: ${describeIssues(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const data = parsed.data as MessageOf<T>;
  return {
    key: (spec.key as (m: MessageOf<T>) => string)(data),
    value: JSON.stringify(data),
    headers: eventHeaders(data),
  };
}

export function createEventProducer(kafka: Kafka, opts: EventProducerOptions = {}): EventProducer {
  const prefix = opts.topicPrefix ?? '';
  const producer = createIdempotentProducer(kafka);
  const metrics: KafkaMetrics | undefined = opts.registry ? kafkaMetrics(opts.registry) : undefined;

  const deliver = async (topic: string, messages: Message[]) => {
    if (messages.length === 0) return;
    try {
      await producer.send({ topic: prefix + topic, acks: -1, messages });
      metrics?.produced.inc({ topic }, messages.length);
    } catch (err) {
      metrics?.producerErrors.inc({ topic });
      opts.logger?.error({ err, topic: prefix + topic, count: messages.length }, 'kafka send failed');
      throw err;
    }
  };

  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    // async, so a refused message rejects the returned promise rather than throwing at the call.
    send: async (topic, messages) =>
      deliver(
        topic,
        messages.map((m) => buildEventRecord(topic, m)),
      ),
    sendRaw: async (topic, messages) =>
      deliver(
        topic,
        messages.map((m) => ({
          key: m.key,
          value: m.value,
          headers: { 'content-type': CONTENT_TYPE_JSON, ...m.headers },
        })),
      ),
  };
}
