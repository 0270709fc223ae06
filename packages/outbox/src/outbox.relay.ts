// Publishes the outbox to Kafka and prunes it. Every service that writes outbox rows runs one (upload-api,
// dispatcher, completion), so a service's events do not wait for another to be up; any number of replicas share
// the work through leases (see OutboxRepository). When Kafka is unreachable nothing is lost: rows stay unsent,
// failed ones come back after a backoff, and the lag gauge shows how far behind we are.
import { backoffMs, type PeriodicRunner, startPeriodic } from '@reelforge/core';
import { type Database, type Kysely, type OutboxMessage, OutboxRepository } from '@reelforge/db';
import type { EventProducer } from '@reelforge/kafka';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type OutboxMetrics, outboxMetrics } from './outbox.metrics.js';

export interface OutboxRelayOptions {
  /** Pause between polls when the last batch was not full. */
  pollMs: number;
  batchSize: number;
  /** How long a claimed batch is kept from other relays while it is sent. */
  leaseMs: number;
  /** Sent rows older than this are deleted. */
  retentionMs: number;
  pruneIntervalMs: number;
  /** Rows per DELETE: small, so a prune never holds many locks or a long transaction. */
  pruneBatchSize: number;
}

export const defaultRelayOptions: OutboxRelayOptions = {
  pollMs: 500,
  batchSize: 100,
  leaseMs: 30_000,
  retentionMs: 7 * 24 * 3600 * 1000,
  pruneIntervalMs: 600_000,
  pruneBatchSize: 500,
};

export interface OutboxRelayDeps {
  db: Kysely<Database>;
  producer: EventProducer;
  logger: Logger;
  registry?: Registry;
  options?: Partial<OutboxRelayOptions>;
}

/** A failed row's next try: 1 s, 2 s, 4 s … capped at 5 min, ±20 % so rows that failed together spread out. */
export const publishRetryMs = (publishAttempts: number, random?: () => number): number =>
  backoffMs(publishAttempts + 1, {
    baseMs: 1000,
    capMs: 300_000,
    jitter: { ratio: 0.2 },
    ...(random ? { random } : {}),
  });

export class OutboxRelay {
  readonly options: OutboxRelayOptions;
  private readonly outbox: OutboxRepository;
  private readonly metrics: OutboxMetrics | undefined;
  private connected = false;
  private relayLoop: PeriodicRunner | undefined;
  private pruneLoop: PeriodicRunner | undefined;
  private stopping = false;

  constructor(private readonly deps: OutboxRelayDeps) {
    this.options = { ...defaultRelayOptions, ...deps.options };
    this.outbox = new OutboxRepository(deps.db);
    this.metrics = deps.registry ? outboxMetrics(deps.registry, this.outbox) : undefined;
  }

  /**
   * Leases one batch and publishes it; returns how many rows were sent. Messages go out per topic in id order, in
   * one send each (kafkajs keeps the order of one key within a send). A failed send reschedules its rows.
   */
  async publishOnce(): Promise<number> {
    // Connect before claiming: with Kafka unreachable no row is leased, touched or counted as a failed attempt.
    if (!this.connected) {
      await this.deps.producer.connect();
      this.connected = true;
      this.deps.logger.info('outbox relay connected to Kafka');
    }
    const batch = await this.outbox.lease(this.options.batchSize, this.options.leaseMs);
    if (batch.length === 0) return 0;
    const byTopic = new Map<string, OutboxMessage[]>();
    for (const m of batch) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    const sent: number[] = [];
    for (const [topic, messages] of byTopic) {
      try {
        await this.deps.producer.sendRaw(
          topic,
          messages.map((m) => ({ key: m.key, value: m.payload, headers: m.headers })),
        );
        sent.push(...messages.map((m) => m.id));
        this.metrics?.published.inc({ topic }, messages.length);
      } catch (err) {
        this.metrics?.failures.inc({ topic }, messages.length);
        const reason = err instanceof Error ? err.message : String(err);
        this.deps.logger.warn({ err, topic, count: messages.length }, 'outbox publish failed; rescheduled');
        for (const m of messages) {
          await this.outbox.markFailed(m.id, reason, new Date(Date.now() + publishRetryMs(m.publishAttempts)));
        }
      }
    }
    await this.outbox.markSent(sent);
    return sent.length;
  }

  /** Deletes the sent rows older than the retention, a small batch at a time; returns how many. */
  async pruneOnce(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.options.retentionMs);
    let total = 0;
    for (let n = this.options.pruneBatchSize; n === this.options.pruneBatchSize && !this.stopping; ) {
      n = await this.outbox.deleteSentBefore(before, this.options.pruneBatchSize);
      total += n;
      this.metrics?.pruned.inc(n);
    }
    return total;
  }

  start(): void {
    if (this.relayLoop) return;
    this.stopping = false;
    const { pollMs, batchSize, pruneIntervalMs } = this.options;
    let failures = 0;
    this.relayLoop = startPeriodic(
      'outbox-relay',
      pollMs,
      async () => {
        try {
          const sent = await this.publishOnce();
          failures = 0;
          // A full batch means more is waiting: go again at once.
          return sent >= batchSize ? 0 : pollMs;
        } catch (err) {
          // Kafka or MySQL unreachable: back off (up to 30 s) instead of spinning; rows wait safely in the outbox.
          const retryInMs = backoffMs(++failures, { baseMs: pollMs, capMs: Math.max(pollMs, 30_000) });
          this.deps.logger.warn({ err, retryInMs }, 'outbox relay cycle failed');
          return retryInMs;
        }
      },
      this.deps.logger,
    );
    this.pruneLoop = startPeriodic(
      'outbox-prune',
      pruneIntervalMs,
      async () => void (await this.pruneOnce()),
      this.deps.logger,
    );
  }

  /** Lets the batch in flight finish (its rows are then marked sent), and disconnects the producer. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.relayLoop?.stop(), this.pruneLoop?.stop()]);
    this.relayLoop = undefined;
    this.pruneLoop = undefined;
    this.connected = false;
    await this.deps.producer.disconnect().catch(() => {});
  }
}
