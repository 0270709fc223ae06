// The `video.uploaded` consumer with backpressure: it stops fetching while every launch slot is taken and resumes
// when one frees, so a replica never pulls messages it cannot launch (other partitions' owners keep going).
// Within a partition it handles up to `messageConcurrency` videos at once, capped by the slot limit for the same
// reason; each launch still waits for its own slot, so the slots bound launches however many messages are in hand.
import { isTransientMysqlError } from '@reelforge/db';
import { isTransientFailure, type Kafka, type RunningConsumer, startConsumer } from '@reelforge/kafka';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DispatchService } from './dispatch.service.js';
import type { LaunchSlots } from './launch.slots.js';

export interface DispatchConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topicPrefix: string;
  /** Partitions consumed at once. */
  concurrency: number;
  /** Messages of different videos handled at once within a partition. Default 1. */
  messageConcurrency?: number;
  sessionTimeoutMs?: number;
  heartbeatMs?: number;
  /** Failures (not transient) after which a message is parked in the DLQ and its attempt failed. */
  poisonAttempts?: number;
  /** The service, or a wrapper of it (tests make one message fail). */
  service: Pick<DispatchService, 'handleUploaded' | 'failParked'>;
  slots: LaunchSlots;
  logger: Logger;
  registry?: Registry;
}

export async function startDispatchConsumer(opts: DispatchConsumerOptions): Promise<RunningConsumer> {
  const consumer = await startConsumer({
    kafka: opts.kafka,
    groupId: opts.groupId,
    topics: ['video.uploaded'],
    topicPrefix: opts.topicPrefix,
    logger: opts.logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    partitionsConsumedConcurrently: opts.concurrency,
    concurrencyPerPartition: messageConcurrency(opts.messageConcurrency ?? 1, opts.slots.limit),
    ...(opts.sessionTimeoutMs ? { sessionTimeout: opts.sessionTimeoutMs } : {}),
    ...(opts.heartbeatMs ? { heartbeatInterval: opts.heartbeatMs } : {}),
    ...(opts.poisonAttempts ? { poisonAttempts: opts.poisonAttempts } : {}),
    isTransient: (err) => isTransientFailure(err, isTransientMysqlError),
    handlers: {
      'video.uploaded': async (message, ctx) => {
        await opts.service.handleUploaded(message, ctx.signal);
      },
    },
    onParked: {
      'video.uploaded': (message, ctx) => opts.service.failParked(message, ctx.logger),
    },
  });
  opts.slots.onChange((full) => {
    if (full) {
      consumer.pause();
      opts.logger.info({ slots: opts.slots.limit }, 'at the launch concurrency cap; consumer paused');
    } else {
      consumer.resume();
      opts.logger.info('a launch slot is free; consumer resumed');
    }
  });
  if (opts.slots.full) consumer.pause();
  return consumer;
}

/** What a partition handles at once: more than the launch slots would only wait for a slot with a job created. */
export function messageConcurrency(requested: number, slotLimit: number): number {
  return Math.max(1, Math.min(requested, slotLimit));
}
