// Publishes engagement records on an idempotent producer with acks from all in-sync replicas. It is kafkajs directly,
// not @reelforge/kafka's createEventProducer, for CPU: at 100k events/s the producer is the largest cost, and
// sendRaw's content-type header on every record doubled kafkajs's per-record work (the envelope's `version`
// already says what a value is). The partitioner is kafkajs's Java-compatible murmur2, remembered per key, since
// videos repeat and hashing each event's key (plus the default partitioner's per-call allocations) is another
// tenth of it.
import { kafkaMetrics } from '@reelforge/kafka';
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { Registry } from 'prom-client';

export interface EventMessage {
  key: string;
  value: string;
}

export interface RecordSender {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(messages: EventMessage[]): Promise<void>;
}

type Partitioner = ReturnType<typeof Partitioners.DefaultPartitioner>;

const MEMO_LIMIT = 200_000;

/** The default partitioner, remembered per key for as long as the partition count stays the same. */
export function memoisedPartitioner(base: Partitioner = Partitioners.DefaultPartitioner()): Partitioner {
  const memo = new Map<string, number>();
  let memoFor = -1;
  return (args) => {
    const key = args.message.key;
    if (typeof key !== 'string' || args.message.partition != null) return base(args);
    const count = args.partitionMetadata.length;
    if (count !== memoFor) {
      memo.clear();
      memoFor = count;
    }
    let partition = memo.get(key);
    if (partition === undefined) {
      partition = base(args);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(key, partition);
    }
    return partition;
  };
}

export function createRecordSender(kafka: Kafka, opts: { topic: string; registry?: Registry }): RecordSender {
  const producer: Producer = kafka.producer({
    idempotent: true,
    // kafkajs keeps idempotent sequence numbers gapless only with one request in flight per broker.
    maxInFlightRequests: 1,
    createPartitioner: () => memoisedPartitioner(),
  });
  const metrics = opts.registry ? kafkaMetrics(opts.registry) : undefined;
  const topic = opts.topic;
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    send: async (messages) => {
      try {
        await producer.send({ topic, acks: -1, messages });
        metrics?.produced.inc({ topic }, messages.length);
      } catch (err) {
        metrics?.producerErrors.inc({ topic });
        throw err;
      }
    },
  };
}
