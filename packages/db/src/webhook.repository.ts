// Webhooks in MySQL: endpoints (owner-scoped for the API), deliveries (the notifier's schedule: due rows claimed
// FOR UPDATE SKIP LOCKED and leased, so any number of notifiers share them) and the attempts the API lists.
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  Database,
  WebhookAttemptTable,
  WebhookDeliveryStatus,
  WebhookDeliveryTable,
  WebhookEndpointTable,
} from './database.js';
import { clipText } from './text.limits.js';
import { transaction } from './transaction.runner.js';

export interface WebhookEndpointRow extends Omit<Selectable<WebhookEndpointTable>, 'events' | 'enabled'> {
  events: string[];
  enabled: boolean;
}

export type WebhookAttemptRow = Selectable<WebhookAttemptTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;

export interface NewWebhookEndpoint {
  ownerId: string;
  url: string;
  description: string;
  events: readonly string[];
  secret: string;
}

export interface WebhookEndpointPatch {
  url?: string;
  events?: readonly string[];
  description?: string;
  enabled?: boolean;
}

export interface NewWebhookDelivery {
  endpointId: string;
  eventId: string;
  eventType: string;
  videoId: string | null;
  payload: string;
}

/** A due delivery as a sender needs it: the body and where and with which secrets to send it. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  videoId: string | null;
  payload: string;
  /** Attempts made before this one. */
  attempts: number;
  url: string;
  /** Newest first: the current one, and the previous one while its grace period lasts. */
  secrets: string[];
  failingSince: Date | null;
}

/** What one attempt came to, decided by the notifier's delivery policy. */
export interface AttemptRecord {
  deliveryId: string;
  endpointId: string;
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  status: WebhookDeliveryStatus;
  nextAttemptAt: Date | null;
  /** The endpoint's failure streak after this attempt (null: it succeeded). */
  failingSince: Date | null;
  /** Set when the endpoint must be disabled, with the reason its owner reads. */
  disable: string | null;
}

const toEndpoint = (row: Selectable<WebhookEndpointTable>): WebhookEndpointRow => ({
  ...row,
  events: JSON.parse(row.events) as string[],
  enabled: Boolean(row.enabled),
});

export class WebhookRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async createEndpoint(input: NewWebhookEndpoint): Promise<WebhookEndpointRow> {
    const now = new Date();
    const row: Selectable<WebhookEndpointTable> = {
      id: randomUUID(),
      ownerId: input.ownerId,
      url: input.url,
      description: input.description,
      events: JSON.stringify(input.events),
      secret: input.secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
      enabled: true,
      disabledReason: null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.db.insertInto('webhookEndpoints').values(row).execute();
    return toEndpoint(row);
  }

  async listEndpoints(ownerId: string): Promise<WebhookEndpointRow[]> {
    const rows = await this.db
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('ownerId', '=', ownerId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toEndpoint);
  }

  /** The endpoint if `ownerId` owns it; another user's is as absent as a missing one. */
  async findEndpoint(id: string, ownerId: string): Promise<WebhookEndpointRow | null> {
    const row = await this.db
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('id', '=', id)
      .where('ownerId', '=', ownerId)
      .executeTakeFirst();
    return row ? toEndpoint(row) : null;
  }

  /** Re-enabling clears the reason and the failure streak, so the endpoint gets a full disable window again. */
  async updateEndpoint(id: string, ownerId: string, patch: WebhookEndpointPatch): Promise<WebhookEndpointRow | null> {
    await this.db
      .updateTable('webhookEndpoints')
      .set({
        ...(patch.url === undefined ? {} : { url: patch.url }),
        ...(patch.description === undefined ? {} : { description: patch.description }),
        ...(patch.events === undefined ? {} : { events: JSON.stringify(patch.events) }),
        ...(patch.enabled === undefined
          ? {}
          : { enabled: patch.enabled, disabledReason: null, ...(patch.enabled ? { failingSince: null } : {}) }),
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .where('ownerId', '=', ownerId)
      .execute();
    return this.findEndpoint(id, ownerId);
  }

  async deleteEndpoint(id: string, ownerId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('webhookEndpoints')
      .where('id', '=', id)
      .where('ownerId', '=', ownerId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The current secret becomes the previous one, valid until `previousUntil`; false when no such endpoint. */
  async rotateSecret(id: string, ownerId: string, secret: string, previousUntil: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('webhookEndpoints')
      .set((eb) => ({
        previousSecret: eb.ref('secret'),
        previousSecretExpiresAt: previousUntil,
        secret,
        updatedAt: new Date(),
      }))
      .where('id', '=', id)
      .where('ownerId', '=', ownerId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The owner's enabled endpoints: what an event fans out to. */
  async enabledEndpointsOf(ownerId: string): Promise<WebhookEndpointRow[]> {
    const rows = await this.db
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('ownerId', '=', ownerId)
      .where('enabled', '=', true)
      .execute();
    return rows.map(toEndpoint);
  }

  /**
   * Adds deliveries due now; one that exists for its (endpoint, event) is left as it is, so a redelivered Kafka
   * message changes nothing. Returns how many were new.
   */
  async addDeliveries(deliveries: readonly NewWebhookDelivery[], now = new Date()): Promise<number> {
    if (deliveries.length === 0) return 0;
    const result = await this.db
      .insertInto('webhookDeliveries')
      .ignore()
      .values(
        deliveries.map((d) => ({
          ...d,
          id: randomUUID(),
          status: 'pending' as const,
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  /** The endpoint's newest deliveries with their attempts (oldest attempt first). */
  async listDeliveries(
    endpointId: string,
    limit = 50,
  ): Promise<(WebhookDeliveryRow & { attemptLog: WebhookAttemptRow[] })[]> {
    const deliveries = await this.db
      .selectFrom('webhookDeliveries')
      .selectAll()
      .where('endpointId', '=', endpointId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    if (deliveries.length === 0) return [];
    const attempts = await this.db
      .selectFrom('webhookAttempts')
      .selectAll()
      .where(
        'deliveryId',
        'in',
        deliveries.map((d) => d.id),
      )
      .orderBy('id')
      .execute();
    return deliveries.map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.deliveryId === d.id) }));
  }

  async findDelivery(id: string, endpointId: string): Promise<WebhookDeliveryRow | null> {
    const row = await this.db
      .selectFrom('webhookDeliveries')
      .selectAll()
      .where('id', '=', id)
      .where('endpointId', '=', endpointId)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Sends it again with the same webhook-id and body, now; its earlier attempts stay in the log. */
  async redeliver(id: string, endpointId: string, now = new Date()): Promise<boolean> {
    const result = await this.db
      .updateTable('webhookDeliveries')
      .set({ status: 'pending', nextAttemptAt: now, updatedAt: now })
      .where('id', '=', id)
      .where('endpointId', '=', endpointId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Claims due deliveries of enabled endpoints and leases them (their next_attempt_at moves `leaseMs` ahead) in one
   * short transaction, so other notifiers skip them until the attempt is recorded or the lease ends. `room` says how
   * many more an endpoint may have in flight here (the per-endpoint cap); those beyond it are left for later.
   */
  async claimDue(opts: {
    limit: number;
    leaseMs: number;
    room: (endpointId: string) => number;
    now?: Date;
  }): Promise<ClaimedDelivery[]> {
    const now = opts.now ?? new Date();
    return transaction(this.db, async (tx) => {
      const due = await tx
        .selectFrom('webhookDeliveries')
        .select(['id', 'endpointId', 'eventId', 'eventType', 'videoId', 'payload', 'attempts'])
        .where('status', '=', 'pending')
        .where('nextAttemptAt', '<=', now)
        .orderBy('nextAttemptAt')
        // Candidates beyond the limit, so an endpoint at its cap does not starve the others.
        .limit(opts.limit * 4)
        .forUpdate()
        .skipLocked()
        .execute();
      if (due.length === 0) return [];
      const endpoints = await tx
        .selectFrom('webhookEndpoints')
        .select(['id', 'url', 'secret', 'previousSecret', 'previousSecretExpiresAt', 'failingSince'])
        .where('id', 'in', [...new Set(due.map((d) => d.endpointId))])
        .where('enabled', '=', true)
        .execute();
      const byId = new Map(endpoints.map((e) => [e.id, e]));
      const taken = new Map<string, number>();
      const claimed: ClaimedDelivery[] = [];
      for (const d of due) {
        const e = byId.get(d.endpointId);
        if (!e || claimed.length >= opts.limit) continue;
        const n = taken.get(e.id) ?? 0;
        if (n >= opts.room(e.id)) continue;
        taken.set(e.id, n + 1);
        const previousValid = e.previousSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt > now;
        claimed.push({
          ...d,
          url: e.url,
          secrets: previousValid ? [e.secret, e.previousSecret as string] : [e.secret],
          failingSince: e.failingSince,
        });
      }
      if (claimed.length > 0) {
        await tx
          .updateTable('webhookDeliveries')
          .set({ nextAttemptAt: new Date(now.getTime() + opts.leaseMs) })
          .where(
            'id',
            'in',
            claimed.map((c) => c.id),
          )
          .execute();
      }
      return claimed;
    });
  }

  /** Logs the attempt and applies its outcome to the delivery and the endpoint, together. */
  async recordAttempt(r: AttemptRecord): Promise<void> {
    await transaction(this.db, async (tx: Transaction<Database>) => {
      await tx
        .insertInto('webhookAttempts')
        .values({
          deliveryId: r.deliveryId,
          attemptedAt: r.attemptedAt,
          statusCode: r.statusCode,
          latencyMs: Math.max(0, Math.round(r.latencyMs)),
          error: r.error === null ? null : clipText(r.error, 500),
          nextAttemptAt: r.nextAttemptAt,
        })
        .execute();
      await tx
        .updateTable('webhookDeliveries')
        .set((eb) => ({
          status: r.status,
          attempts: eb('attempts', '+', 1),
          nextAttemptAt: r.nextAttemptAt,
          updatedAt: new Date(),
        }))
        .where('id', '=', r.deliveryId)
        .execute();
      await tx
        .updateTable('webhookEndpoints')
        .set({
          failingSince: r.failingSince,
          ...(r.disable ? { enabled: false, disabledReason: clipText(r.disable, 500) } : {}),
          updatedAt: new Date(),
        })
        .where('id', '=', r.endpointId)
        .execute();
    });
  }

  /** How long the oldest due delivery of an enabled endpoint has waited (0 when none): the backlog gauge. */
  async oldestDueAgeSeconds(now = new Date()): Promise<number> {
    const row = await this.db
      .selectFrom('webhookDeliveries')
      .innerJoin('webhookEndpoints', 'webhookEndpoints.id', 'webhookDeliveries.endpointId')
      .select((eb) => eb.fn.min('webhookDeliveries.nextAttemptAt').as('oldest'))
      .where('webhookDeliveries.status', '=', 'pending')
      .where('webhookDeliveries.nextAttemptAt', '<=', now)
      .where('webhookEndpoints.enabled', '=', true)
      .executeTakeFirst();
    const oldest = row?.oldest;
    return oldest ? Math.max(0, (now.getTime() - new Date(oldest).getTime()) / 1000) : 0;
  }
}
