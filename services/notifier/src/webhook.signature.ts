// The Standard Webhooks headers of one attempt, signed by the `standardwebhooks` library: one `v1,` signature per
// valid secret, space-separated, so a receiver holding either secret during a rotation verifies.
import { Webhook } from 'standardwebhooks';

export function signatureHeader(secrets: readonly string[], webhookId: string, at: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(webhookId, at, body)).join(' ');
}

export function webhookHeaders(
  secrets: readonly string[],
  webhookId: string,
  at: Date,
  body: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Reelforge-Webhooks/1',
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatureHeader(secrets, webhookId, at, body),
  };
}
