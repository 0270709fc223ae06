// /v1/webhooks against real MySQL: owner scoping, refusals with their codes, secrets shown once and rotated, test
// events and redelivery as rows the notifier picks up.
import { randomUUID } from 'node:crypto';
import { WebhookRepository } from '@reelforge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, register, startHarness } from '../api.harness.js';

let h: Harness;
let alice: Awaited<ReturnType<typeof register>>;
let bob: Awaited<ReturnType<typeof register>>;

beforeAll(async () => {
  h = await startHarness({ webhooks: { allowTargets: [], secretGraceSec: 3600 } });
  [alice, bob] = await Promise.all([register(h.app, 'alice@example.com'), register(h.app, 'bob@example.com')]);
});
afterAll(() => h?.close());

const create = (auth: Record<string, string>, payload: unknown) =>
  h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth, payload: payload as object });

async function endpoint(auth = alice.auth) {
  const res = await create(auth, { url: 'https://hooks.example.com/reelforge', events: ['video.ready'] });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; secret: string };
}

describe('POST /v1/webhooks', () => {
  it('registers an endpoint and shows its whsec_ secret once', async () => {
    const res = await create(alice.auth, {
      url: 'https://hooks.example.com/a',
      events: ['video.ready', 'video.failed'],
      description: 'prod',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      url: 'https://hooks.example.com/a',
      events: ['video.ready', 'video.failed'],
      description: 'prod',
      enabled: true,
      disabledReason: null,
    });
    expect(Buffer.from(body.secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
    const got = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${body.id}`, headers: alice.auth });
    expect(got.statusCode).toBe(200);
    expect(got.json()).not.toHaveProperty('secret');
  });

  it.each([
    ['http://127.0.0.1:8080/hook', '127.0.0.1 is in a refused range (loopback)'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is in a refused range (metadata)'],
    ['http://10.0.0.1/', '10.0.0.1 is in a refused range (private)'],
    ['http://[::1]/', '::1 is in a refused range (loopback)'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254 is in a refused range (metadata)'],
    ['https://user:pw@hooks.example.com/', 'credentials in the URL are not allowed'],
  ])('refuses %s with WEBHOOK_URL_REFUSED', async (url, reason) => {
    const res = await create(alice.auth, { url, events: ['video.ready'] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'WEBHOOK_URL_REFUSED', detail: `webhook URL refused: ${reason}` });
  });

  it.each([
    ['no body', undefined],
    ['an ftp URL', { url: 'ftp://example.com/', events: ['video.ready'] }],
    ['no events', { url: 'https://example.com/', events: [] }],
    ['an unknown event', { url: 'https://example.com/', events: ['video.exploded'] }],
    ['a repeated event', { url: 'https://example.com/', events: ['video.ready', 'video.ready'] }],
    ['an unknown field', { url: 'https://example.com/', events: ['video.ready'], secret: 'mine' }],
  ])('refuses %s with BAD_REQUEST', async (_name, payload) => {
    const res = await create(alice.auth, payload);
    expect([res.statusCode, res.json().code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('refuses an anonymous caller', async () => {
    const res = await create({}, { url: 'https://example.com/', events: ['video.ready'] });
    expect([res.statusCode, res.json().code]).toEqual([401, 'UNAUTHORIZED']);
  });
});

describe('an endpoint', () => {
  it('is its owner’s only: another user and an anonymous caller get 404 / 401 on every route', async () => {
    const { id } = await endpoint();
    const delivery = randomUUID();
    const routes: [string, string, object?][] = [
      ['GET', `/v1/webhooks/${id}`],
      ['PATCH', `/v1/webhooks/${id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${id}`],
      ['POST', `/v1/webhooks/${id}/rotate`],
      ['POST', `/v1/webhooks/${id}/test`],
      ['GET', `/v1/webhooks/${id}/deliveries`],
      ['POST', `/v1/webhooks/${id}/deliveries/${delivery}/redeliver`],
    ];
    for (const [method, url, payload] of routes) {
      const asBob = await h.app.inject({
        method: method as 'GET',
        url,
        headers: bob.auth,
        ...(payload ? { payload } : {}),
      });
      expect([method, url, asBob.statusCode, asBob.json().code]).toEqual([method, url, 404, 'NOT_FOUND']);
      const anon = await h.app.inject({ method: method as 'GET', url, ...(payload ? { payload } : {}) });
      expect([method, url, anon.statusCode]).toEqual([method, url, 401]);
    }
    const list = await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: bob.auth });
    expect(list.json().items.map((e: { id: string }) => e.id)).not.toContain(id);
    expect((await h.app.inject({ method: 'GET', url: '/v1/webhooks' })).statusCode).toBe(401);
    // Still there and unchanged for its owner.
    const mine = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${id}`, headers: alice.auth });
    expect(mine.json()).toMatchObject({ id, enabled: true });
  });

  it('refuses malformed ids and bodies with BAD_REQUEST', async () => {
    const { id } = await endpoint();
    const bad: [string, string, object?][] = [
      ['GET', '/v1/webhooks/not-a-uuid'],
      ['PATCH', `/v1/webhooks/${id}`, {}],
      ['PATCH', `/v1/webhooks/${id}`, { enabled: 'yes' }],
      ['PATCH', `/v1/webhooks/${id}`, { url: 'gopher://x/' }],
      ['DELETE', '/v1/webhooks/1'],
      ['POST', '/v1/webhooks/1/rotate'],
      ['POST', '/v1/webhooks/1/test'],
      ['GET', '/v1/webhooks/1/deliveries'],
      ['POST', `/v1/webhooks/${id}/deliveries/nope/redeliver`],
    ];
    for (const [method, url, payload] of bad) {
      const res = await h.app.inject({
        method: method as 'GET',
        url,
        headers: alice.auth,
        ...(payload ? { payload } : {}),
      });
      expect([method, url, res.statusCode, res.json().code]).toEqual([method, url, 400, 'BAD_REQUEST']);
    }
    const refused = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${id}`,
      headers: alice.auth,
      payload: { url: 'http://192.168.0.10/' },
    });
    expect([refused.statusCode, refused.json().code]).toEqual([400, 'WEBHOOK_URL_REFUSED']);
  });

  it('changes, lists, disables, re-enables and deletes', async () => {
    const { id } = await endpoint();
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${id}`,
      headers: alice.auth,
      payload: { url: 'https://other.example.com/h', events: ['video.uploaded'], enabled: false },
    });
    expect(patched.json()).toMatchObject({
      url: 'https://other.example.com/h',
      events: ['video.uploaded'],
      enabled: false,
    });
    const test = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${id}/test`, headers: alice.auth });
    expect([test.statusCode, test.json().code]).toEqual([409, 'CONFLICT']);
    const enabled = await h.app.inject({
      method: 'PATCH',
      url: `/v1/webhooks/${id}`,
      headers: alice.auth,
      payload: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null });
    const list = await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: alice.auth });
    expect(list.json().items.map((e: { id: string }) => e.id)).toContain(id);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: alice.auth })).statusCode).toBe(
      204,
    );
    expect((await h.app.inject({ method: 'GET', url: `/v1/webhooks/${id}`, headers: alice.auth })).statusCode).toBe(
      404,
    );
  });

  it('rotates its secret: the old one stays valid for the grace period', async () => {
    const { id, secret } = await endpoint();
    const res = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${id}/rotate`, headers: alice.auth });
    expect(res.statusCode).toBe(200);
    const rotated = res.json() as { secret: string; previousSecretExpiresAt: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    const graceMs = Date.parse(rotated.previousSecretExpiresAt) - Date.now();
    expect(graceMs).toBeGreaterThan(3590_000);
    expect(graceMs).toBeLessThanOrEqual(3600_000);
    const row = await h.db.selectFrom('webhookEndpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect([row.secret, row.previousSecret]).toEqual([rotated.secret, secret]);
  });

  it('queues a test event, lists it with its attempts and redelivers it with the same webhook-id', async () => {
    const { id } = await endpoint();
    const test = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${id}/test`, headers: alice.auth });
    expect(test.statusCode).toBe(202);
    const delivery = test.json() as { id: string; webhookId: string; type: string; status: string };
    expect(delivery).toMatchObject({ type: 'webhook.test', status: 'pending', attempts: [] });

    // What the notifier records after a failed last attempt.
    const failedAt = new Date();
    await new WebhookRepository(h.db).recordAttempt({
      deliveryId: delivery.id,
      endpointId: id,
      attemptedAt: failedAt,
      statusCode: 503,
      latencyMs: 42,
      error: 'HTTP 503',
      status: 'failed',
      nextAttemptAt: null,
      failingSince: failedAt,
      disable: null,
    });
    const log = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries`, headers: alice.auth });
    expect(log.json().items).toEqual([
      expect.objectContaining({
        id: delivery.id,
        webhookId: delivery.webhookId,
        status: 'failed',
        nextAttemptAt: null,
        attempts: [
          { at: failedAt.toISOString(), statusCode: 503, latencyMs: 42, error: 'HTTP 503', nextAttemptAt: null },
        ],
      }),
    ]);

    const again = await h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${id}/deliveries/${delivery.id}/redeliver`,
      headers: alice.auth,
    });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ id: delivery.id, webhookId: delivery.webhookId, status: 'pending' });
    const unknown = await h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${id}/deliveries/${randomUUID()}/redeliver`,
      headers: alice.auth,
    });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'NOT_FOUND']);
  });
});
