// Publishes the outbox to Kafka: rows whose `available_at` has come, claimed FOR UPDATE SKIP LOCKED so replicas
// share the work, sent keyed by video id, marked sent in the same transaction. When Kafka is unreachable nothing is
// lost: rows stay unsent, failed ones come back after a backoff, and the lag gauge shows how far behind we are.
import type { Database, Kysely, OutboxMessage, OutboxRepository } from '@reelforge/db';
import type { EventProducer } from '@reelforge/kafka';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface OutboxRelayDeps {
  db: Kysely<Database>;
  outbox: OutboxRepository;
  producer: EventProducer;
  logger: Logger;
  registry?: Registry;
  pollMs?: number;
  batchSize?: number;
}

/** 1 s, 2 s, 4 s … capped at 5 min, with ±20 % jitter so a fleet of failed rows does not retry in lockstep. */
export function publishBackoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.min(attempts, 20));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class OutboxRelay {
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly published?: Counter<'topic'>;
  private readonly failures?: Counter<'topic'>;
  private connected = false;
  private stopped = true;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private idleBackoffMs = 0;

  constructor(private readonly deps: OutboxRelayDeps) {
    this.pollMs = deps.pollMs ?? 500;
    this.batchSize = deps.batchSize ?? 100;
    if (deps.registry) {
      const { outbox } = deps;
      new Gauge({
        name: 'reelforge_outbox_oldest_unsent_age_seconds',
        help: 'How long the oldest publishable outbox row has waited (0 when none)',
        registers: [deps.registry],
        async collect() {
          this.set(await outbox.oldestUnsentAgeSeconds());
        },
      });
      this.published = new Counter({
        name: 'reelforge_outbox_published_total',
        help: 'Outbox rows published to Kafka',
        labelNames: ['topic'],
        registers: [deps.registry],
      });
      this.failures = new Counter({
        name: 'reelforge_outbox_publish_failures_total',
        help: 'Outbox rows whose publish failed and were rescheduled',
        labelNames: ['topic'],
        registers: [deps.registry],
      });
    }
  }

  /**
   * Claims one batch and publishes it; returns how many rows were sent. Messages go out per topic in id order, in
   * one send each (kafkajs keeps the order of one key within a send). A failed send reschedules its rows.
   */
  async publishOnce(): Promise<number> {
    // Connect before claiming: with Kafka unreachable no row is locked, touched or counted as a failed attempt.
    if (!this.connected) {
      await this.deps.producer.connect();
      this.connected = true;
      this.deps.logger.info('outbox relay connected to Kafka');
    }
    return this.deps.db.transaction().execute(async (tx) => {
      const batch = await this.deps.outbox.claimBatch(tx, this.batchSize);
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
          this.published?.inc({ topic }, messages.length);
        } catch (err) {
          this.failures?.inc({ topic }, messages.length);
          const reason = err instanceof Error ? err.message : String(err);
          this.deps.logger.warn({ err, topic, count: messages.length }, 'outbox publish failed; rescheduled');
          for (const m of messages) {
            const retryAt = new Date(Date.now() + publishBackoffMs(m.publishAttempts));
            await this.deps.outbox.markFailed(m.id, reason, retryAt, tx);
          }
        }
      }
      await this.deps.outbox.markSent(sent, tx);
      return sent.length;
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Lets the batch in flight finish (its rows are then marked sent), and disconnects the producer. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.connected = false;
    await this.deps.producer.disconnect().catch(() => {});
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let sent = 0;
      try {
        sent = await this.publishOnce();
        this.idleBackoffMs = 0;
      } catch (err) {
        // Kafka or MySQL unreachable: back off (up to 30 s) instead of spinning; rows wait safely in the outbox.
        this.idleBackoffMs = Math.min(30_000, Math.max(this.pollMs, this.idleBackoffMs * 2));
        this.deps.logger.warn({ err, retryInMs: this.idleBackoffMs }, 'outbox relay cycle failed');
      }
      // A full batch means more is waiting: go again at once.
      if (sent < this.batchSize || this.idleBackoffMs > 0) await this.sleep(this.idleBackoffMs || this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
