import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signatureHeader, webhookHeaders } from './webhook.signature.js';

// The Standard Webhooks specification's example secret, with a second one for a rotation.
const current = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const previous = `whsec_${Buffer.from('previous-secret-bytes-0123456789').toString('base64')}`;
const at = new Date('2026-12-03T10:00:00.000Z');
const body = '{"type":"video.ready","timestamp":"2026-12-03T10:00:00.000Z","data":{}}';
const id = 'e9b6f1a4-1c1e-4c6e-9d2a-0f4f2b1d3c5a';

describe('signatureHeader', () => {
  it('is v1, HMAC-SHA256 of "id.timestamp.body" under the decoded secret, base64', () => {
    // Computed with Python's hmac, independently of both libraries.
    expect(signatureHeader([current], id, at, body)).toBe('v1,omZTw7hGH0l2WaaM6iBCQ4V+Uwr4BsdZ03wcrCqkJck=');
    const key = Buffer.from(current.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.1796292000.${body}`).digest('base64');
    expect(signatureHeader([current], id, at, body)).toBe(`v1,${expected}`);
  });

  it('signs with every valid secret, space-separated, and either verifies', () => {
    const header = signatureHeader([current, previous], id, at, body);
    expect(header.split(' ')).toHaveLength(2);
    expect(webhookHeaders([current, previous], id, at, body)).toEqual({
      'content-type': 'application/json',
      'user-agent': 'Reelforge-Webhooks/1',
      'webhook-id': id,
      'webhook-timestamp': '1796292000',
      'webhook-signature': header,
    });
    // The library checks the timestamp against its clock: verify "now".
    const fresh = webhookHeaders([current, previous], id, new Date(), body);
    for (const secret of [current, previous]) expect(new Webhook(secret).verify(body, fresh)).toEqual(JSON.parse(body));
  });
});
