// The transactional outbox: services add messages in the transaction that changes the state they announce, and a
// relay publishes them afterwards, so a message goes out if and only if its transaction committed.
import { AppError, type MessageOf, type TopicName, topics } from '@reelforge/contracts';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, OutboxTable } from './database.js';
import { clipText } from './text.limits.js';
import { transaction } from './transaction.runner.js';

export interface NewOutboxMessage<T extends TopicName> {
  /** The logical topic; the relay adds the deployment's prefix. */
  topic: T;
  payload: MessageOf<T>;
  /** Defaults to the topic's key from the catalog (the video id). */
  key?: string;
  headers?: Record<string, string>;
  /** Not published before this time: a delayed retry. Defaults to now. */
  availableAt?: Date;
}

export interface OutboxMessage {
  id: number;
  topic: string;
  key: string;
  /** JSON text: the Kafka message value, as it is. */
  payload: string;
  headers: Record<string, string>;
  createdAt: Date;
  availableAt: Date;
  publishAttempts: number;
}

/** The unit of ordering: messages of one (topic, key) are published in the order they were added. */
export const outboxStream = (m: { topic: string; key: string }): string => `${m.topic}\u0000${m.key}`;

const toMessage = (row: Selectable<OutboxTable>): OutboxMessage => ({
  id: row.id,
  topic: row.topic,
  key: row.messageKey,
  payload: row.payload,
  headers: row.headers === null ? {} : (JSON.parse(row.headers) as Record<string, string>),
  createdAt: row.createdAt,
  availableAt: row.availableAt,
  publishAttempts: row.publishAttempts,
});

/**
 * The relay (packages/outbox), one loop per replica, any number of replicas, no lock held while it sends:
 *
 *   const batch = await outbox.lease(100, 30_000);             // claimed and leased in a short transaction
 *   try { await produce(batch); await outbox.markSent(ids) }   // in id order
 *   catch (err) { for (const m of batch) await outbox.markFailed(m.id, String(err), backoff(m)) }
 *
 * Lease: a claimed row's `available_at` moves a lease ahead, so other relays do not claim it while it is being
 * sent; a relay that dies after leasing leaves rows that become claimable again when the lease ends. The lease
 * must outlast a send (producer timeouts and retries included), or a slow send and a second one may overlap.
 *
 * Order: a batch lists messages in id order, and holds a message back while an earlier one of its (topic, key) is
 * unsent — delayed, failed, or leased by another relay — so one video's messages reach Kafka in the order they
 * were written. A crash after producing and before markSent publishes the batch again when its lease ends:
 * delivery is at least once, and consumers are idempotent.
 *
 * Writers: change the video row *before* adding its message in the same transaction. The row lock then orders the
 * transactions of one video, so their messages get ids in commit order.
 */
export class OutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Queues a message in the caller's transaction and returns its id. The payload is checked against the topic's
   * schema here, where a mistake is a stack trace in the writer rather than a message in a consumer's DLQ.
   */
  async add<T extends TopicName>(tx: Transaction<Database>, message: NewOutboxMessage<T>): Promise<number> {
    const spec = topics[message.topic];
    const parsed = spec.schema.safeParse(message.payload);
    if (!parsed.success) {
      throw new AppError('INTERNAL', `outbox message for ${message.topic} does not match its schema`, {
        cause: parsed.error,
      });
    }
    const key = message.key ?? (spec.key as (m: MessageOf<T>) => string)(parsed.data as MessageOf<T>);
    const now = new Date();
    const result = await tx
      .insertInto('outbox')
      .values({
        topic: message.topic,
        messageKey: key,
        payload: JSON.stringify(parsed.data),
        headers: message.headers === undefined ? null : JSON.stringify(message.headers),
        createdAt: now,
        availableAt: message.availableAt ?? now,
        sentAt: null,
        publishAttempts: 0,
        lastError: null,
      })
      .executeTakeFirstOrThrow();
    return Number(result.insertId);
  }

  /**
   * Up to `limit` publishable messages, in id order, locked FOR UPDATE SKIP LOCKED until `tx` ends so concurrent
   * relays get disjoint batches. The relay leases them (see lease) rather than holding `tx` open while it sends.
   */
  async claimBatch(tx: Transaction<Database>, limit: number, now = new Date()): Promise<OutboxMessage[]> {
    // (available_at, id) order follows outbox_unsent_idx, so the scan stops after `limit` rows and locks no more.
    const claimed = await tx
      .selectFrom('outbox')
      .selectAll()
      .where('sentAt', 'is', null)
      .where('availableAt', '<=', now)
      .orderBy('availableAt')
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (claimed.length === 0) return [];
    claimed.sort((a, b) => a.id - b.id);

    // An unsent message of the same (topic, key) that is not in this batch holds back every later one.
    const inBatch = new Set(claimed.map((m) => m.id));
    const earlier = await tx
      .selectFrom('outbox')
      .select(['id', 'topic', 'messageKey'])
      .where('sentAt', 'is', null)
      .where('messageKey', 'in', [...new Set(claimed.map((m) => m.messageKey))])
      .where('id', '<', claimed.at(-1)?.id ?? 0)
      .execute();
    const heldFrom = new Map<string, number>();
    for (const m of earlier) {
      if (inBatch.has(m.id)) continue;
      const stream = outboxStream({ topic: m.topic, key: m.messageKey });
      heldFrom.set(stream, Math.min(heldFrom.get(stream) ?? m.id, m.id));
    }
    return claimed.map(toMessage).filter((m) => m.id < (heldFrom.get(outboxStream(m)) ?? Number.POSITIVE_INFINITY));
  }

  /**
   * Claims up to `limit` publishable messages (claimBatch) and leases them for `leaseMs` in one short transaction:
   * their `available_at` moves to now + lease, so no other relay claims them until markSent, markFailed, or the
   * lease's end. No lock outlives the call.
   */
  async lease(limit: number, leaseMs: number, now = new Date()): Promise<OutboxMessage[]> {
    return transaction(this.db, async (tx) => {
      const batch = await this.claimBatch(tx, limit, now);
      if (batch.length === 0) return [];
      await tx
        .updateTable('outbox')
        .set({ availableAt: new Date(now.getTime() + leaseMs) })
        .where(
          'id',
          'in',
          batch.map((m) => m.id),
        )
        .execute();
      return batch;
    });
  }

  /** Returns how many were still unsent. */
  async markSent(ids: readonly number[], tx?: Transaction<Database>): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await (tx ?? this.db)
      .updateTable('outbox')
      .set({ sentAt: new Date() })
      .where('id', 'in', ids)
      .where('sentAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Records a failed publish and when to try again; later messages of its (topic, key) wait for it. */
  async markFailed(id: number, error: string, nextAvailableAt: Date, tx?: Transaction<Database>): Promise<boolean> {
    const result = await (tx ?? this.db)
      .updateTable('outbox')
      .set((eb) => ({
        publishAttempts: eb('publishAttempts', '+', 1),
        lastError: clipText(error),
        availableAt: nextAvailableAt,
      }))
      .where('id', '=', id)
      .where('sentAt', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** How long the oldest publishable message has waited (0 when none): the relay-lag gauge. */
  async oldestUnsentAgeSeconds(now = new Date()): Promise<number> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.min('availableAt').as('oldest'))
      .where('sentAt', 'is', null)
      .where('availableAt', '<=', now)
      .executeTakeFirst();
    const oldest = row?.oldest;
    return oldest ? Math.max(0, (now.getTime() - new Date(oldest).getTime()) / 1000) : 0;
  }

  /**
   * Housekeeping: deletes up to `limit` messages sent before `before`, oldest first; returns how many. A range on
   * the leading column of outbox_unsent_idx (unsent rows, NULL, sort before it), so it reads only what it deletes.
   */
  async deleteSentBefore(before: Date, limit = 1000): Promise<number> {
    const result = await this.db
      .deleteFrom('outbox')
      .where('sentAt', '<', before)
      .orderBy('sentAt')
      .limit(limit)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
