// Webhook endpoints as the HTTP API shows them, the requests that manage them, the delivery log, and the body of
// what the notifier POSTs to a receiver (docs/webhooks.md).
import { z } from 'zod';
import { PRINTABLE, VideoId } from './video.dto.js';

/** What a subscriber may choose; `webhook.test` is sent only by `POST /v1/webhooks/{id}/test`. */
export const WebhookEventType = z
  .enum(['video.uploaded', 'video.processing', 'video.ready', 'video.failed', 'video.deleted'])
  .meta({ id: 'WebhookEventType' });
export type WebhookEventType = z.infer<typeof WebhookEventType>;

export const WebhookId = z.uuid().meta({ id: 'WebhookId' });
export const WebhookParams = z.object({ id: WebhookId });
export const WebhookDeliveryParams = z.object({ id: WebhookId, deliveryId: z.uuid() });

const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe(
    'http or https; a literal address in a private, loopback or metadata range is refused (WEBHOOK_URL_REFUSED).',
  );
const Events = z
  .array(WebhookEventType)
  .min(1)
  .max(5)
  .refine((e) => new Set(e).size === e.length, 'each event at most once')
  .meta({ uniqueItems: true });
const Description = z.string().max(500).regex(PRINTABLE, 'description must not contain control characters');

export const CreateWebhookRequest = z
  .object({ url: WebhookUrl, events: Events, description: Description.default('') })
  .strict()
  .meta({ id: 'CreateWebhookRequest' });
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequest>;

export const UpdateWebhookRequest = z
  .object({
    url: WebhookUrl.optional(),
    events: Events.optional(),
    description: Description.optional(),
    enabled: z.boolean().optional().describe('true re-enables a disabled endpoint (its failure streak starts over).'),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one of url, events, description, enabled')
  .meta({ id: 'UpdateWebhookRequest', minProperties: 1 });
export type UpdateWebhookRequest = z.infer<typeof UpdateWebhookRequest>;

export const WebhookEndpoint = z
  .object({
    id: WebhookId,
    url: z.string(),
    events: z.array(WebhookEventType),
    description: z.string(),
    enabled: z.boolean(),
    disabledReason: z
      .string()
      .nullable()
      .describe('Why the notifier disabled it (410 Gone, failing for too long); null when enabled or disabled by you.'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

const Secret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+=*$/)
  .describe('The signing secret (Standard Webhooks `whsec_` + base64): shown only in this answer.');

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({ secret: Secret }).meta({
  id: 'WebhookEndpointWithSecret',
});
export type WebhookEndpointWithSecret = z.infer<typeof WebhookEndpointWithSecret>;

export const WebhookList = z.object({ items: z.array(WebhookEndpoint) }).meta({ id: 'WebhookList' });
export type WebhookList = z.infer<typeof WebhookList>;

export const RotatedWebhookSecret = z
  .object({
    secret: Secret,
    previousSecretExpiresAt: z.iso
      .datetime()
      .describe('Until then deliveries carry a signature with the previous secret too.'),
  })
  .meta({ id: 'RotatedWebhookSecret' });
export type RotatedWebhookSecret = z.infer<typeof RotatedWebhookSecret>;

export const WebhookDeliveryStatus = z.enum(['pending', 'delivered', 'failed']);
export type WebhookDeliveryStatus = z.infer<typeof WebhookDeliveryStatus>;

export const WebhookAttempt = z
  .object({
    at: z.iso.datetime(),
    statusCode: z.number().int().nullable().describe('null when no answer came (refused target, timeout, reset).'),
    latencyMs: z.number().int().min(0),
    error: z.string().nullable(),
    nextAttemptAt: z.iso.datetime().nullable().describe('When it is tried again; null when it will not be.'),
  })
  .meta({ id: 'WebhookAttempt' });
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDelivery = z
  .object({
    id: z.uuid(),
    webhookId: z.string().describe('The `webhook-id` header: the same on every attempt and redelivery.'),
    type: z.string().describe('A WebhookEventType, or `webhook.test`.'),
    status: WebhookDeliveryStatus,
    nextAttemptAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    attempts: z.array(WebhookAttempt),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryPage = z
  .object({ items: z.array(WebhookDelivery).describe('Newest first, at most 50.') })
  .meta({ id: 'WebhookDeliveryPage' });
export type WebhookDeliveryPage = z.infer<typeof WebhookDeliveryPage>;

/** The JSON body a receiver gets (Standard Webhooks: type, timestamp, data). */
export const WebhookPayload = z.object({
  type: z.string(),
  timestamp: z.iso.datetime(),
  data: z.object({
    videoId: VideoId.optional(),
    status: z.string().optional(),
    previousStatus: z.string().nullable().optional(),
    attempt: z.number().int().optional(),
    error: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
    links: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;
