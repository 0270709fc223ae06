import { createRegistry } from '@reelforge/observability';
import { signPlaybackSession } from '@reelforge/storage/tokens';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type IngestDeps } from './app.js';
import type { EventMessage } from './kafka.sender.js';

const event = (id: string, over: Record<string, unknown> = {}) => ({
  schema_version: 1,
  event_id: id,
  event_type: 'play',
  timestamp: '2025-03-01T10:00:00.000Z',
  user_id: 'u-1',
  device_id: 'dev-1',
  session_id: 's-1',
  content_id: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  position_sec: 1,
  client: { app: 'web', version: '1.0.0' },
  ...over,
});

const SECRET = 't'.repeat(32);
const NOW_SEC = Date.parse('2025-03-01T10:00:05.000Z') / 1000;
const claims = {
  videoId: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  sessionId: 's-1',
  userId: 'u-1',
  viewerId: 'u-1',
  expiresAt: NOW_SEC + 60,
};
const token = signPlaybackSession(SECRET, claims);
const API_KEY = `rfk_${'k'.repeat(43)}`;

/** The content-analytics design's example event (issue #19). */
const mediaEvent = (id: string, over: Record<string, unknown> = {}) => ({
  event_id: id,
  event_type: 'play',
  timestamp: '2025-03-25T14:30:45.123Z',
  user_id: 'user_123',
  device_id: 'web_browser_xyz',
  session_id: 'sesssion_123',
  ip_address: '192.168.1.1',
  content_id: 'media_123',
  content_type: 'movie',
  title: 'Mr Robot',
  genre: ['thriller', 'action'],
  duration_seconds: 8880,
  language: 'en',
  current_timestamp: 120.5,
  schema_version: '1.0',
  event_source: 'web_app',
  ...over,
});

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

async function app(over: Partial<IngestDeps> = {}) {
  const published: EventMessage[] = [];
  const instance = await buildApp({
    publish: async (m) => {
      published.push(...m);
    },
    pendingBytes: () => 0,
    sessionSecrets: [SECRET],
    apiKeys: { authenticate: async (key) => (key === API_KEY ? 'key-1' : null) },
    rateLimits: { session: { take: () => true }, ip: { take: () => true }, apiKey: { take: () => true } },
    registry: createRegistry('test'),
    logger: pino({ level: 'silent' }),
    checks: {},
    bodyLimitBytes: 64 * 1024,
    maxEventsPerRequest: 100,
    now: () => new Date('2025-03-01T10:00:05.000Z'),
    ...over,
  });
  close = () => instance.close();
  return { instance, published };
}

const post = (body: string, contentType = 'application/json', bearer: string | null = token) => ({
  method: 'POST' as const,
  url: '/v1/events',
  headers: {
    'content-type': contentType,
    'user-agent': 'TestPlayer/1',
    ...(bearer !== null && { authorization: `Bearer ${bearer}` }),
  },
  payload: body,
});

describe('POST /v1/events', () => {
  it('answers 202 when every event is accepted, and publishes them with the request envelope', async () => {
    const { instance, published } = await app();
    const res = await instance.inject(post(JSON.stringify([event('a'), event('b')])));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 2, rejected: [] });
    expect(published.map((m) => JSON.parse(m.value.toString()))).toEqual([
      {
        version: 1,
        received_at: '2025-03-01T10:00:05.000Z',
        ip: '127.0.0.1',
        user_agent: 'TestPlayer/1',
        event: event('a'),
      },
      {
        version: 1,
        received_at: '2025-03-01T10:00:05.000Z',
        ip: '127.0.0.1',
        user_agent: 'TestPlayer/1',
        event: event('b'),
      },
    ]);
  });

  it('answers 207 with the refused indexes and publishes only the good events', async () => {
    const { instance, published } = await app();
    const body = [event('a'), event('b', { timestamp: 'yesterday' }), event('c')].map((e) => JSON.stringify(e));
    body.splice(2, 0, '{broken');
    const res = await instance.inject(post(body.join('\n'), 'application/x-ndjson'));
    expect(res.statusCode).toBe(207);
    const json = res.json();
    expect(json.accepted).toBe(2);
    expect(json.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2]);
    expect(json.rejected[0].reasons[0]).toMatch(/^timestamp: /);
    expect(json.rejected[1].reasons).toEqual(['not valid JSON']);
    expect(published.map((m) => JSON.parse(m.value.toString()).event.event_id)).toEqual(['a', 'c']);
  });

  it('answers 400 with the reasons when no event is valid', async () => {
    const { instance, published } = await app();
    const res = await instance.inject(post(JSON.stringify([{ event_id: 'x' }])));
    expect(res.statusCode).toBe(400);
    expect(res.json().accepted).toBe(0);
    expect(published).toEqual([]);
  });

  it('answers 429 when every event was refused by the session or the address limit', async () => {
    const open = { take: () => true };
    const shut = { take: () => false };
    for (const rateLimits of [
      { session: shut, ip: open, apiKey: open },
      { session: open, ip: shut, apiKey: open },
    ]) {
      const { instance } = await app({ rateLimits });
      const res = await instance.inject(post(JSON.stringify([event('a')])));
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toBe('1');
    }
  });

  it('charges the session by its id and the address by the client IP', async () => {
    const keys: string[] = [];
    const spy = { take: (key: string) => !!keys.push(key) };
    const { instance } = await app({ rateLimits: { session: spy, ip: spy, apiKey: { take: () => false } } });
    await instance.inject(post(JSON.stringify([event('a')])));
    expect(keys).toEqual(['s-1', '127.0.0.1']);
  });

  it('refuses a request without a valid session token with 401 and a stable code, before reading its body', async () => {
    const { instance, published } = await app();
    const body = JSON.stringify([event('a')]);
    const cases: [string | null, string][] = [
      [null, 'SESSION_INVALID'],
      ['', 'SESSION_INVALID'],
      ['not-a-token', 'SESSION_INVALID'],
      [signPlaybackSession('f'.repeat(32), claims), 'SESSION_INVALID'],
      [signPlaybackSession(SECRET, { ...claims, expiresAt: NOW_SEC - 1 }), 'SESSION_EXPIRED'],
    ];
    for (const [bearer, code] of cases) {
      const res = await instance.inject(post(body, 'application/json', bearer));
      expect([res.statusCode, res.json().code, res.headers['www-authenticate']]).toEqual([401, code, 'Bearer']);
    }
    // The body is not even parsed: a broken one gets the same answer.
    expect((await instance.inject(post('{broken', 'application/json', null))).statusCode).toBe(401);
    expect(published).toEqual([]);
  });

  it('takes MediaEventV1 batches with an API key, records the key, and refuses the players’ schema there', async () => {
    const { instance, published } = await app();
    const body = JSON.stringify([mediaEvent('m-1', { rating: 'R' }), event('a'), mediaEvent('m-2', { genre: 'x' })]);
    const res = await instance.inject(post(body, 'application/json', API_KEY));
    expect(res.statusCode).toBe(207);
    expect(res.json().accepted).toBe(1);
    expect(res.json().rejected.map((r: { index: number; reasons: string[] }) => [r.index, r.reasons[0]])).toEqual([
      [1, expect.stringMatching(/^schema_version: /)],
      [2, expect.stringMatching(/^genre: /)],
    ]);
    expect(published.map((m) => [m.key, JSON.parse(m.value.toString())])).toEqual([
      [
        'media_123',
        {
          version: 1,
          received_at: '2025-03-01T10:00:05.000Z',
          ip: '127.0.0.1',
          user_agent: 'TestPlayer/1',
          api_key_id: 'key-1',
          event: mediaEvent('m-1', { rating: 'R' }),
        },
      ],
    ]);
    // A player's session token cannot send the analytics schema.
    const withSession = await instance.inject(post(JSON.stringify([mediaEvent('m-3')])));
    expect(withSession.statusCode).toBe(400);
  });

  it('charges analytics events to their API key and answers 429 once its allowance is spent', async () => {
    let allowance = 2;
    const keys: string[] = [];
    const apiKey = { take: (key: string) => !!keys.push(key) && allowance-- > 0 };
    const { instance, published } = await app({
      rateLimits: { session: { take: () => true }, ip: { take: () => true }, apiKey },
    });
    // The invalid one spends nothing; the third valid one finds the allowance spent.
    const body = JSON.stringify([
      mediaEvent('m-1'),
      mediaEvent('m-2', { genre: 'x' }),
      mediaEvent('m-3'),
      mediaEvent('m-4'),
    ]);
    const partial = await instance.inject(post(body, 'application/json', API_KEY));
    expect([partial.statusCode, partial.json().accepted]).toEqual([207, 2]);
    expect(keys).toEqual(['key-1', 'key-1', 'key-1']);
    const spent = await instance.inject(post(JSON.stringify([mediaEvent('m-5')]), 'application/json', API_KEY));
    expect([spent.statusCode, spent.headers['retry-after']]).toEqual([429, '1']);
    expect(published).toHaveLength(2);
  });

  it('refuses an unknown or revoked API key with 401 API_KEY_INVALID, and 503 when keys cannot be checked', async () => {
    const { instance, published } = await app();
    const body = JSON.stringify([mediaEvent('m-1')]);
    for (const bearer of [`rfk_${'x'.repeat(43)}`, 'rfk_short']) {
      const res = await instance.inject(post(body, 'application/json', bearer));
      expect([res.statusCode, res.json().code, res.headers['www-authenticate']]).toEqual([
        401,
        'API_KEY_INVALID',
        'Bearer',
      ]);
    }
    const anonymous = await instance.inject(post(body, 'application/json', null));
    expect([anonymous.statusCode, anonymous.json().code]).toEqual([401, 'SESSION_INVALID']);
    const down = await app({
      apiKeys: {
        authenticate: async () => {
          throw new Error('connect ECONNREFUSED 10.0.0.5:3306');
        },
      },
    });
    const res = await down.instance.inject(post(body, 'application/json', API_KEY));
    expect([res.statusCode, res.json().code, res.body.includes('10.0.0.5')]).toEqual([503, 'STORAGE_ERROR', false]);
    expect([...published, ...down.published]).toEqual([]);
  });

  it("refuses events about another video or session than the token's, and publishes the rest", async () => {
    const { instance, published } = await app();
    const other = '7c0e4a52-1d3f-4c53-9a3e-8f0f3c1f2a22';
    const res = await instance.inject(
      post(JSON.stringify([event('a', { content_id: other }), event('b', { session_id: 's-9' }), event('c')])),
    );
    expect(res.statusCode).toBe(207);
    expect(res.json().rejected.map((r: { index: number }) => r.index)).toEqual([0, 1]);
    expect(published.map((m) => JSON.parse(m.value.toString()).event.event_id)).toEqual(['c']);
  });

  it('answers 503 STORAGE_ERROR, not 202, when Kafka does not acknowledge', async () => {
    const { instance } = await app({
      publish: async () => {
        throw new Error('KafkaJSNumberOfRetriesExceeded at 10.1.2.3');
      },
    });
    const res = await instance.inject(post(JSON.stringify([event('a')])));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'STORAGE_ERROR', status: 503 });
    expect(res.body).not.toContain('10.1.2.3');
  });

  it('refuses a body that is not a JSON array, an empty batch and an unknown media type', async () => {
    const { instance } = await app();
    const notArray = await instance.inject(post(JSON.stringify(event('a'))));
    expect([notArray.statusCode, notArray.json().code]).toEqual([400, 'BAD_REQUEST']);
    const empty = await instance.inject(post('[]'));
    expect([empty.statusCode, empty.json().detail]).toEqual([400, 'the batch holds no events']);
    const xml = await instance.inject(post('<events/>', 'application/xml'));
    expect([xml.statusCode, xml.json().code]).toEqual([415, 'UNSUPPORTED_INPUT']);
  });

  it('refuses too many events with 413', async () => {
    const { instance } = await app({ maxEventsPerRequest: 1 });
    const res = await instance.inject(post(JSON.stringify([event('a'), event('b')])));
    expect([res.statusCode, res.json().code]).toEqual([413, 'TOO_LARGE']);
  });

  it('counts outcomes in the metrics', async () => {
    const registry = createRegistry('test');
    const { instance } = await app({ registry });
    await instance.inject(post(JSON.stringify([event('a'), event('b', { position_sec: 'x' })])));
    const metrics = await (await instance.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('reelforge_events_ingested_total{outcome="accepted",service="test"} 1');
    expect(metrics).toContain('reelforge_events_ingested_total{outcome="invalid",service="test"} 1');
    expect(metrics).toContain('reelforge_events_request_duration_seconds_count{service="test",status="207"} 1');
  });
});

describe('probes', () => {
  it('is ready only while its checks pass', async () => {
    const { instance } = await app({ checks: { kafka: async () => Promise.reject(new Error('down')) } });
    expect((await instance.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await instance.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([503, { status: 'unavailable', checks: { kafka: 'down' } }]);
  });
});
