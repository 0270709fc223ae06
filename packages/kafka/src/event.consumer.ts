// Runs a consumer group over catalog topics with a typed handler per topic. Delivery is at-least-once: a message's
// offset is committed only after its handler succeeded or it was parked in the DLQ, so handlers must be idempotent.
//
// Parking: a handler failure is either transient (the infrastructure was in trouble: `isTransient`) and retried for
// as long as it lasts, or not — and a message whose handler failed `poisonAttempts` times that way goes to
// `<topic>.dlq`, its topic's `onParked` hook runs (the service ends what the message was about, e.g. fails the
// video), and its offset is committed, so one bad message cannot block its partition for ever. The failures are
// counted in this process, by topic/partition/offset, across in-process retries and redeliveries (kafkajs restarting
// the consumer, a rebalance that gives the partition back); a redelivery to another replica starts that replica's
// count, which still ends at the same limit, so a count lost with a process only delays the parking.
//
// Why eachBatch rather than eachMessage with consumer.commitOffsets(): kafkajs's consumer.commitOffsets() is a
// silent no-op once stop() has begun, so the message in flight during a stop would be handled but not committed,
// and handled again by the next owner. eachBatch's commitOffsetsIfNecessary(offsets) commits unconditionally; the
// loop below resolves and commits each message as soon as it is done (autoCommit off, no auto-resolve), so no
// offset is ever committed for a message that has not been handled.
//
// With concurrencyPerPartition > 1 a batch's messages run in lanes, one per key (in offset order within a lane, so
// per-key order holds), up to that many lanes at once; the partition's offset is committed for the completed prefix
// of the batch (never past a message not yet handled), coalescing commits instead of one per message.
import { type MessageOf, type TopicName, topics } from '@reelforge/contracts';
import kafkajs, {
  type Batch,
  type EachBatchPayload,
  type Kafka,
  type KafkaJSErrorMetadata,
  type KafkaMessage,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildDlqRecord, type DlqReason } from './dlq.record.js';
import { createIdempotentProducer } from './event.producer.js';
import { isTransientFailure } from './failure.classifier.js';
import { kafkaMetrics } from './kafka.metrics.js';
import { decodeMessage } from './message.decoder.js';
import { readHeaders } from './message.headers.js';
import { defaultRetryPolicy, type RetryPolicy, retryDelayMs, sleep } from './retry.policy.js';

export interface HandlerContext<T extends TopicName> {
  /** The catalog name, without the prefix. */
  topic: T;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  logger: Logger;
  /** Aborts when the consumer is stopping: a long handler may give up, and its message is redelivered later. */
  signal: AbortSignal;
}

export type Handler<T extends TopicName> = (message: MessageOf<T>, ctx: HandlerContext<T>) => Promise<void>;

/** One handler per subscribed topic; a missing one is a compile error. */
export type HandlerMap<T extends TopicName> = { [K in T]: Handler<K> };

/**
 * Runs once a message was parked in the DLQ, with the last error its handler threw, before its offset is committed:
 * the service ends what the message was about (never left waiting for it). Must be idempotent, like a handler. A
 * transient failure of the hook leaves the message uncommitted (the hook runs again on redelivery); any other
 * failure is logged after the in-process attempts and the message stays parked without it.
 */
export type ParkedHook<T extends TopicName> = (
  message: MessageOf<T>,
  ctx: HandlerContext<T>,
  error: unknown,
) => Promise<void>;

export const DEFAULT_POISON_ATTEMPTS = 5;

export interface ConsumerOptions<T extends TopicName> {
  kafka: Kafka;
  groupId: string;
  topics: readonly T[];
  handlers: HandlerMap<T>;
  topicPrefix?: string;
  logger: Logger;
  registry?: Registry;
  /** In-process retries of a failing handler before the message is left for redelivery. */
  retry?: RetryPolicy;
  /**
   * Handler failures that are not transient, in-process retries and redeliveries together, after which a message is
   * parked in its DLQ. Default DEFAULT_POISON_ATTEMPTS.
   */
  poisonAttempts?: number;
  /**
   * Whether a handler error is infrastructure trouble, retried without limit. Default isTransientFailure (network,
   * kafkajs, AWS SDK); a service with MySQL passes `(err) => isTransientFailure(err, isTransientMysqlError)`.
   */
  isTransient?: (err: unknown) => boolean;
  /** Per topic, what the service does once a message of it was parked; a topic without one is only parked. */
  onParked?: { [K in T]?: ParkedHook<K> };
  partitionsConsumedConcurrently?: number;
  /**
   * Messages of one partition handled at once, each of a different key (one key's messages stay sequential, in
   * offset order). Default 1: one message at a time, committed one by one.
   */
  concurrencyPerPartition?: number;
  /**
   * Where a group with no committed offset starts. Default true: a group deployed after events were published
   * must still see them (handlers are idempotent, so replaying retained history is safe).
   */
  fromBeginning?: boolean;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  /** How long a fetch waits for data; it bounds how fast stop() and resume() take effect on an idle topic. */
  maxWaitTimeInMs?: number;
}

export interface RunningConsumer {
  /** Finishes the messages in flight, commits what completed, leaves the group and disconnects. */
  stop(): Promise<void>;
  /** Stops fetching after the messages in flight (backpressure); the group membership is kept. */
  pause(): void;
  resume(): void;
  isRunning(): boolean;
  /** Resolves once the group has been joined and partitions assigned. */
  ready(): Promise<void>;
}

/**
 * Raised when a handler exhausted its in-process attempts. A KafkaJSError that is retriable, so kafkajs does not
 * log it a second time, re-fetches from the last resolved offset (the failed message) and, if it keeps failing,
 * restarts the consumer rather than giving up on the group. A plain TypeError from a handler would otherwise be
 * "unrecoverable" to kafkajs and stop consumption for good.
 */
export class HandlerFailedError extends kafkajs.KafkaJSError {
  override readonly name = 'HandlerFailedError';
  constructor(topic: string, partition: number, offset: string, cause: unknown) {
    // kafkajs's constructor takes a cause; its typings leave it out.
    super(`handler for ${topic}[${partition}]@${offset} failed`, { retriable: true, cause } as KafkaJSErrorMetadata);
  }
}

const nextOffset = (offset: string) => (BigInt(offset) + 1n).toString();

/** Messages whose failures are being counted; the oldest are forgotten beyond this (a partition that moved away). */
const MAX_TRACKED_FAILURES = 10_000;

interface Failing {
  /** Handler failures that were not transient. */
  failures: number;
  lastError: unknown;
  /** Already written to the DLQ: a redelivery while the hook is retried does not write it twice. */
  parked: boolean;
}

export async function startConsumer<T extends TopicName>(opts: ConsumerOptions<T>): Promise<RunningConsumer> {
  const prefix = opts.topicPrefix ?? '';
  const retry = opts.retry ?? defaultRetryPolicy;
  if (retry.attempts < 1) throw new RangeError('retry.attempts must be at least 1');
  const poisonAttempts = opts.poisonAttempts ?? DEFAULT_POISON_ATTEMPTS;
  if (!Number.isInteger(poisonAttempts) || poisonAttempts < 1) {
    throw new RangeError('poisonAttempts must be a positive integer');
  }
  const isTransient = opts.isTransient ?? ((err: unknown) => isTransientFailure(err));
  const failing = new Map<string, Failing>();
  const perPartition = opts.concurrencyPerPartition ?? 1;
  if (!Number.isInteger(perPartition) || perPartition < 1) {
    throw new RangeError('concurrencyPerPartition must be a positive integer');
  }
  const heartbeatInterval = opts.heartbeatInterval ?? 3000;
  const logger = opts.logger.child({ groupId: opts.groupId });
  const metrics = opts.registry ? kafkaMetrics(opts.registry) : undefined;
  const byFullName = new Map<string, T>(opts.topics.map((t) => [prefix + t, t]));
  const subscribed = [...byFullName.keys()].map((topic) => ({ topic }));

  const stopping = new AbortController();
  let paused = false;
  let running = true;
  let stopped: Promise<void> | undefined;

  const consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: opts.sessionTimeout ?? 30_000,
    heartbeatInterval,
    maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 1000,
    // After kafkajs's own retries, a crashed consumer restarts itself, unless we are the ones stopping it.
    retry: { restartOnFailure: async () => !stopping.signal.aborted },
  });
  const dlqProducer = createIdempotentProducer(opts.kafka);

  let markReady: () => void = () => {};
  let failReady: (err: Error) => void = () => {};
  const readyPromise = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  readyPromise.catch(() => {}); // observed through ready(); never an unhandled rejection

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    logger.info({ memberAssignment: payload.memberAssignment }, 'joined consumer group');
    // A crash restart builds a fresh kafkajs group state, which forgets a pause; keep the backpressure.
    if (paused) consumer.pause(subscribed);
    markReady();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    running = false;
    logger.error({ err: payload.error }, 'consumer crashed and will not restart');
    failReady(payload.error);
  });

  // Keeps the group membership alive while a slow handler runs or a retry waits; kafkajs only heartbeats
  // between messages, and a member silent for sessionTimeout is evicted.
  const heartbeating = async <R>(heartbeat: () => Promise<void>, work: () => Promise<R>): Promise<R> => {
    const timer = setInterval(() => heartbeat().catch(() => {}), heartbeatInterval);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  };

  const sendToDlq = async (topic: T, batch: Batch, message: KafkaMessage, reason: DlqReason) => {
    const record = buildDlqRecord(
      {
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: message.headers,
      },
      reason,
    );
    try {
      await dlqProducer.send({ topic: record.topic, acks: -1, messages: [record] });
    } catch (err) {
      metrics?.producerErrors.inc({ topic: `${topic}.dlq` });
      throw err;
    }
    metrics?.dlq.inc({ topic, reason: reason.kind });
    return record;
  };

  /** Counts a failure that was not transient; returns the message's count so far. */
  const countFailure = (key: string, err: unknown): Failing => {
    let state = failing.get(key);
    if (state === undefined) {
      state = { failures: 0, lastError: err, parked: false };
      failing.set(key, state);
      if (failing.size > MAX_TRACKED_FAILURES) failing.delete(failing.keys().next().value as string);
    }
    state.failures++;
    state.lastError = err;
    return state;
  };

  /** Returns false when the consumer began stopping during a retry wait: the message stays uncommitted. */
  const processMessage = async (
    topic: T,
    batch: Batch,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> => {
    const log = logger.child({ topic: batch.topic, partition: batch.partition, offset: message.offset });
    const decoded = decodeMessage(topics[topic].schema, message.value);
    if (!decoded.ok) {
      const record = await sendToDlq(topic, batch, message, { kind: 'undecodable', detail: decoded.reason });
      metrics?.consumed.inc({ topic, outcome: 'dlq' });
      log.warn({ reason: decoded.reason, dlq: record.topic }, 'undecodable message sent to the DLQ');
      return true;
    }

    const handler = opts.handlers[topic] as Handler<T>;
    const ctx: HandlerContext<T> = {
      topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      headers: readHeaders(message.headers),
      logger: log,
      signal: stopping.signal,
    };
    const key = `${batch.topic}\u0000${batch.partition}\u0000${message.offset}`;
    let state = failing.get(key);
    // A redelivery of a message already judged poison (its hook failed transiently) goes straight back to parking.
    for (let attempt = 1; state === undefined || state.failures < poisonAttempts; attempt++) {
      const endTimer = metrics?.handlerDuration.startTimer({ topic });
      try {
        await heartbeating(heartbeat, () => handler(decoded.message as MessageOf<T>, ctx));
        endTimer?.();
        failing.delete(key);
        metrics?.consumed.inc({ topic, outcome: attempt === 1 ? 'ok' : 'retried' });
        return true;
      } catch (err) {
        endTimer?.();
        // A handler giving up because we are stopping says nothing about the message.
        if (stopping.signal.aborted) return false;
        const transient = isTransient(err);
        if (!transient) {
          state = countFailure(key, err);
          if (state.failures >= poisonAttempts) break;
        }
        const failures = state?.failures ?? 0;
        if (attempt >= retry.attempts) {
          metrics?.consumed.inc({ topic, outcome: 'failed' });
          log.error(
            { err, attempts: attempt, transient, failures },
            'handler failed; message left uncommitted for redelivery',
          );
          throw new HandlerFailedError(batch.topic, batch.partition, message.offset, err);
        }
        const delayMs = retryDelayMs(attempt, retry);
        log.warn({ err, attempt, delayMs, transient, failures }, 'handler failed; retrying');
        if (!(await heartbeating(heartbeat, () => sleep(delayMs, stopping.signal)))) return false;
      }
    }
    return park(topic, batch, message, decoded.message as MessageOf<T>, ctx, key, state, heartbeat);
  };

  /** Sends a poison message to the DLQ and runs its topic's hook; true once its offset may be committed. */
  const park = async (
    topic: T,
    batch: Batch,
    message: KafkaMessage,
    decoded: MessageOf<T>,
    ctx: HandlerContext<T>,
    key: string,
    state: Failing,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> => {
    const log = ctx.logger;
    if (!state.parked) {
      const record = await sendToDlq(topic, batch, message, {
        kind: 'handler-failed',
        error: state.lastError,
        attempts: state.failures,
      });
      state.parked = true;
      log.error(
        { err: state.lastError, failures: state.failures, dlq: record.topic },
        'handler kept failing on this message; parked in the DLQ',
      );
    }
    const hook = opts.onParked?.[topic] as ParkedHook<T> | undefined;
    for (let attempt = 1; hook !== undefined; attempt++) {
      try {
        await heartbeating(heartbeat, () => hook(decoded, ctx, state.lastError));
        break;
      } catch (err) {
        if (stopping.signal.aborted) return false;
        if (attempt >= retry.attempts) {
          if (isTransient(err)) {
            metrics?.consumed.inc({ topic, outcome: 'failed' });
            log.error(
              { err, attempts: attempt },
              'parked-message hook failed; message left uncommitted to run it again',
            );
            throw new HandlerFailedError(batch.topic, batch.partition, message.offset, err);
          }
          // Blocking the partition for a hook that cannot succeed would be the very thing parking prevents.
          log.error(
            { err, attempts: attempt },
            'parked-message hook kept failing; the message stays parked without it',
          );
          break;
        }
        const delayMs = retryDelayMs(attempt, retry);
        log.warn({ err, attempt, delayMs }, 'parked-message hook failed; retrying');
        if (!(await heartbeating(heartbeat, () => sleep(delayMs, stopping.signal)))) return false;
      }
    }
    failing.delete(key);
    metrics?.consumed.inc({ topic, outcome: 'parked' });
    return true;
  };

  /**
   * One batch in lanes of one key each, at most `perPartition` lanes at once. What completed as a prefix of the batch
   * is committed as it grows (one commit in flight, the next one carries the latest prefix) and once more at the end.
   * A halt (stop, pause, rebalance, a handler out of attempts) starts nothing new and waits for the lanes in flight.
   */
  const eachBatchConcurrently = async (
    topic: T,
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload,
  ) => {
    const messages = batch.messages;
    const lanes = new Map<string, number[]>();
    messages.forEach((message, i) => {
      // A null key has no order to keep, but sharing one lane keeps keyless topics as ordered as before.
      const key = message.key === null ? '' : `k${message.key.toString('latin1')}`;
      const lane = lanes.get(key);
      if (lane) lane.push(i);
      else lanes.set(key, [i]);
    });
    const pending = [...lanes.values()];
    const completed = new Array<boolean>(messages.length).fill(false);
    let prefix = 0; // messages[0..prefix) are all handled
    let committedPrefix = 0;
    let halted = false;
    let failure: unknown;
    let committing: Promise<void> = Promise.resolve();

    const commitPrefix = (): Promise<void> => {
      committing = committing.then(async () => {
        if (prefix <= committedPrefix) return;
        const upTo = prefix;
        const last = messages[upTo - 1];
        if (last === undefined) return;
        const next = nextOffset(last.offset);
        resolveOffset(last.offset);
        await commitOffsetsIfNecessary({
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
        });
        committedPrefix = upTo;
        metrics?.lag.set(
          { topic, partition: String(batch.partition) },
          Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))),
        );
      });
      return committing;
    };

    const runLanes = async () => {
      for (let lane = pending.shift(); lane !== undefined && !halted; lane = pending.shift()) {
        for (const i of lane) {
          if (halted || !isRunning() || isStale() || paused) {
            halted = true;
            return;
          }
          const message = messages[i] as KafkaMessage;
          if (!(await processMessage(topic, batch, message, heartbeat))) {
            halted = true;
            return;
          }
          completed[i] = true;
          const before = prefix;
          while (prefix < messages.length && completed[prefix]) prefix++;
          if (prefix > before) {
            // Coalesces: while one commit is on its way, completions only move the prefix the next one takes.
            void commitPrefix().catch(() => {});
          }
          await heartbeat();
        }
      }
    };

    await Promise.all(
      Array.from({ length: Math.min(perPartition, pending.length) }, () =>
        runLanes().catch((err: unknown) => {
          halted = true;
          failure ??= err;
        }),
      ),
    );
    // The final commit is awaited and its error surfaces (unlike the coalesced ones above, which only run ahead).
    await commitPrefix();
    if (failure !== undefined) throw failure;
  };

  const eachBatchSequentially = async (
    topic: T,
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload,
  ) => {
    for (const message of batch.messages) {
      // Breaking leaves the rest unresolved: kafkajs fetches from the first unresolved offset next time.
      if (!isRunning() || isStale() || paused) break;
      if (!(await processMessage(topic, batch, message, heartbeat))) break;
      const next = nextOffset(message.offset);
      resolveOffset(message.offset);
      await commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
      });
      metrics?.lag.set(
        { topic, partition: String(batch.partition) },
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))),
      );
      // Like kafkajs's eachMessage loop: notices a rebalance between messages rather than after the batch.
      await heartbeat();
    }
  };

  const eachBatch = async (payload: EachBatchPayload) => {
    const topic = byFullName.get(payload.batch.topic);
    if (topic === undefined) throw new Error(`received a batch of unsubscribed topic ${payload.batch.topic}`);
    if (perPartition > 1) return eachBatchConcurrently(topic, payload);
    return eachBatchSequentially(topic, payload);
  };

  await dlqProducer.connect();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...byFullName.keys()], fromBeginning: opts.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
      eachBatch,
    });
  } catch (err) {
    await Promise.allSettled([consumer.disconnect(), dlqProducer.disconnect()]);
    throw err;
  }

  const setPaused = (value: boolean) => {
    paused = value;
    try {
      if (value) consumer.pause(subscribed);
      else consumer.resume(subscribed);
    } catch (err) {
      // Between a crash and its restart kafkajs has no group to pause; GROUP_JOIN re-applies the flag.
      logger.debug({ err }, 'pause/resume deferred until the group is rejoined');
    }
  };

  return {
    stop: () => {
      stopped ??= (async () => {
        stopping.abort();
        try {
          await consumer.disconnect();
        } finally {
          running = false;
          await dlqProducer.disconnect();
        }
        logger.info('consumer stopped');
      })();
      return stopped;
    },
    pause: () => setPaused(true),
    resume: () => setPaused(false),
    isRunning: () => running,
    ready: () => readyPromise,
  };
}
