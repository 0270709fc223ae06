// Webhook endpoints of a user: registration (with the URL's literal address checked), changes, secret rotation, the
// delivery log and manual redelivery. Sending is the notifier's; this only writes rows it reads.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AppError,
  type CreateWebhookRequest,
  type RotatedWebhookSecret,
  type UpdateWebhookRequest,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookEventType,
} from '@reelforge/contracts';
import { checkTargetUrl } from '@reelforge/core';
import type { WebhookEndpointRow, WebhookRepository } from '@reelforge/db';

export interface WebhookConfig {
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: CIDRs a literal address may be in although it is not public. */
  allowTargets: readonly string[];
  /** How long the previous secret still signs after a rotation. */
  secretGraceSec: number;
}

/** Standard Webhooks' secret format: `whsec_` and base64 of 24 random bytes (192 bits). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

const notFound = () => new AppError('NOT_FOUND', 'no such webhook');

export const presentEndpoint = (row: WebhookEndpointRow): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  events: row.events as WebhookEventType[],
  description: row.description,
  enabled: row.enabled,
  disabledReason: row.disabledReason,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export class WebhookService {
  constructor(private readonly deps: { webhooks: WebhookRepository; config: WebhookConfig }) {}

  private checkUrl(url: string): void {
    const verdict = checkTargetUrl(url, this.deps.config.allowTargets);
    if (!verdict.allowed) throw new AppError('WEBHOOK_URL_REFUSED', `webhook URL refused: ${verdict.reason}`);
  }

  private async owned(id: string, ownerId: string): Promise<WebhookEndpointRow> {
    const row = await this.deps.webhooks.findEndpoint(id, ownerId);
    if (!row) throw notFound();
    return row;
  }

  async create(ownerId: string, req: CreateWebhookRequest): Promise<WebhookEndpointWithSecret> {
    this.checkUrl(req.url);
    const secret = newWebhookSecret();
    const row = await this.deps.webhooks.createEndpoint({ ownerId, ...req, secret });
    return { ...presentEndpoint(row), secret };
  }

  async list(ownerId: string): Promise<WebhookEndpoint[]> {
    return (await this.deps.webhooks.listEndpoints(ownerId)).map(presentEndpoint);
  }

  async get(id: string, ownerId: string): Promise<WebhookEndpoint> {
    return presentEndpoint(await this.owned(id, ownerId));
  }

  async update(id: string, ownerId: string, req: UpdateWebhookRequest): Promise<WebhookEndpoint> {
    if (req.url !== undefined) this.checkUrl(req.url);
    const row = await this.deps.webhooks.updateEndpoint(id, ownerId, req);
    if (!row) throw notFound();
    return presentEndpoint(row);
  }

  async remove(id: string, ownerId: string): Promise<void> {
    if (!(await this.deps.webhooks.deleteEndpoint(id, ownerId))) throw notFound();
  }

  async rotate(id: string, ownerId: string): Promise<RotatedWebhookSecret> {
    const secret = newWebhookSecret();
    const until = new Date(Date.now() + this.deps.config.secretGraceSec * 1000);
    if (!(await this.deps.webhooks.rotateSecret(id, ownerId, secret, until))) throw notFound();
    return { secret, previousSecretExpiresAt: until.toISOString() };
  }

  /** Queues a `webhook.test` event for the endpoint, whatever it subscribes to; the delivery shows in the log. */
  async test(id: string, ownerId: string): Promise<WebhookDelivery> {
    const endpoint = await this.owned(id, ownerId);
    if (!endpoint.enabled) throw new AppError('CONFLICT', 'the webhook is disabled; enable it first');
    const eventId = randomUUID();
    const now = new Date();
    const payload = { type: 'webhook.test', timestamp: now.toISOString(), data: { webhookId: id } };
    await this.deps.webhooks.addDeliveries(
      [{ endpointId: id, eventId, eventType: 'webhook.test', videoId: null, payload: JSON.stringify(payload) }],
      now,
    );
    const [delivery] = (await this.deps.webhooks.listDeliveries(id, 50)).filter((d) => d.eventId === eventId);
    if (!delivery) throw new AppError('INTERNAL', 'test delivery not found after insert');
    return presentDelivery(delivery);
  }

  async deliveries(id: string, ownerId: string): Promise<WebhookDelivery[]> {
    await this.owned(id, ownerId);
    return (await this.deps.webhooks.listDeliveries(id, 50)).map(presentDelivery);
  }

  async redeliver(id: string, ownerId: string, deliveryId: string): Promise<WebhookDelivery> {
    const endpoint = await this.owned(id, ownerId);
    if (!endpoint.enabled) throw new AppError('CONFLICT', 'the webhook is disabled; enable it first');
    if (!(await this.deps.webhooks.redeliver(deliveryId, id))) throw new AppError('NOT_FOUND', 'no such delivery');
    const [delivery] = (await this.deps.webhooks.listDeliveries(id, 50)).filter((d) => d.id === deliveryId);
    if (!delivery) throw new AppError('NOT_FOUND', 'no such delivery');
    return presentDelivery(delivery);
  }
}

type DeliveryWithLog = Awaited<ReturnType<WebhookRepository['listDeliveries']>>[number];

export const presentDelivery = (d: DeliveryWithLog): WebhookDelivery => ({
  id: d.id,
  webhookId: d.eventId,
  type: d.eventType,
  status: d.status,
  nextAttemptAt: d.status === 'pending' && d.nextAttemptAt ? d.nextAttemptAt.toISOString() : null,
  createdAt: d.createdAt.toISOString(),
  attempts: d.attemptLog.map((a) => ({
    at: a.attemptedAt.toISOString(),
    statusCode: a.statusCode,
    latencyMs: a.latencyMs,
    error: a.error,
    nextAttemptAt: a.nextAttemptAt?.toISOString() ?? null,
  })),
});
