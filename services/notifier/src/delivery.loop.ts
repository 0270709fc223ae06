// Sends due deliveries: claims them from MySQL (leased, so any number of notifiers share the table), signs and POSTs
// each through the SSRF-safe sender, and records the attempt with what the delivery policy decided. Runs on the
// periodic runner; a pass only starts sends, so one slow receiver never delays the next pass.
import { startPeriodic } from '@reelforge/core';
import type { ClaimedDelivery, WebhookRepository } from '@reelforge/db';
import type { Logger } from '@reelforge/observability';
import { type DeliveryPolicy, decideAttempt } from './delivery.policy.js';
import type { WebhookSender } from './delivery.sender.js';
import type { NotifierMetrics } from './notifier.metrics.js';
import { webhookHeaders } from './webhook.signature.js';

export interface DeliveryLoopOptions {
  pollMs: number;
  /** Deliveries in flight in this process at most. */
  concurrency: number;
  /** Per endpoint, in this process. */
  perEndpoint: number;
  leaseMs: number;
}

export class DeliveryLoop {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly perEndpoint = new Map<string, number>();
  private runner: { stop(): Promise<void> } | undefined;

  constructor(
    private readonly deps: {
      webhooks: WebhookRepository;
      sender: WebhookSender;
      policy: DeliveryPolicy;
      metrics: NotifierMetrics;
      logger: Logger;
      options: DeliveryLoopOptions;
    },
  ) {}

  start(): void {
    this.runner = startPeriodic('webhook-delivery', this.deps.options.pollMs, () => this.pass(), this.deps.logger);
  }

  /** No claim after this; resolves when the attempts in flight are recorded. */
  async stop(): Promise<void> {
    await this.runner?.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  /** One claim; returns 0 (look again at once) when it filled every free slot. */
  async pass(): Promise<number | undefined> {
    const { options } = this.deps;
    const free = options.concurrency - this.inFlight.size;
    if (free <= 0) return undefined;
    const claimed = await this.deps.webhooks.claimDue({
      limit: free,
      leaseMs: options.leaseMs,
      room: (endpointId) => options.perEndpoint - (this.perEndpoint.get(endpointId) ?? 0),
    });
    for (const delivery of claimed) this.track(delivery);
    return claimed.length === free && claimed.length > 0 ? 0 : undefined;
  }

  /** Resolves when every delivery claimed so far has been attempted and recorded (tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(delivery: ClaimedDelivery): void {
    const endpoint = delivery.endpointId;
    this.perEndpoint.set(endpoint, (this.perEndpoint.get(endpoint) ?? 0) + 1);
    const done = this.attempt(delivery)
      .catch((err: unknown) =>
        // Its lease ends and it is attempted again: at least once.
        this.deps.logger.error(
          { err, deliveryId: delivery.id, videoId: delivery.videoId },
          'webhook attempt not recorded',
        ),
      )
      .finally(() => {
        this.inFlight.delete(done);
        const left = (this.perEndpoint.get(endpoint) ?? 1) - 1;
        if (left > 0) this.perEndpoint.set(endpoint, left);
        else this.perEndpoint.delete(endpoint);
      });
    this.inFlight.add(done);
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const { sender, webhooks, policy, metrics, logger } = this.deps;
    const at = new Date();
    const result = await sender.send(d.url, webhookHeaders(d.secrets, d.eventId, at, d.payload), d.payload);
    const now = new Date();
    const decision = decideAttempt({ result, attemptsBefore: d.attempts, failingSince: d.failingSince, now }, policy);
    await webhooks.recordAttempt({
      deliveryId: d.id,
      endpointId: d.endpointId,
      attemptedAt: at,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: decision.error,
      status: decision.status,
      nextAttemptAt: decision.nextAttemptAt,
      failingSince: decision.failingSince,
      disable: decision.disable,
    });
    metrics.deliveries.inc({ outcome: decision.outcome });
    metrics.attempts.inc({ endpoint: d.endpointId, result: decision.outcome === 'delivered' ? 'success' : 'failure' });
    if (decision.disable) metrics.endpointsDisabled.inc({ reason: decision.outcome === 'gone' ? 'gone' : 'failing' });
    const log = {
      videoId: d.videoId,
      deliveryId: d.id,
      webhookId: d.eventId,
      endpointId: d.endpointId,
      type: d.eventType,
      attempt: d.attempts + 1,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      outcome: decision.outcome,
    };
    if (decision.outcome === 'delivered') logger.info(log, 'webhook delivered');
    else
      logger.warn({ ...log, error: decision.error, nextAttemptAt: decision.nextAttemptAt }, 'webhook attempt failed');
    if (decision.disable)
      logger.warn({ endpointId: d.endpointId, reason: decision.disable }, 'webhook endpoint disabled');
  }
}
