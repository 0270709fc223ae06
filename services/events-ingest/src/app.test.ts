import { createRegistry } from '@reelforge/observability';
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

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

async function app(over: Partial<IngestDeps> = {}) {
  const published: EventMessage[] = [];
  const instance = await buildApp({
    publish: async (m) => {
      published.push(...m);
    },
    pendingBytes: () => 0,
    rateLimit: { take: () => true },
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

const post = (body: string, contentType = 'application/json') => ({
  method: 'POST' as const,
  url: '/v1/events',
  headers: { 'content-type': contentType, 'user-agent': 'TestPlayer/1' },
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

  it('answers 429 when every event was refused by the device limit', async () => {
    const { instance } = await app({ rateLimit: { take: () => false } });
    const res = await instance.inject(post(JSON.stringify([event('a')])));
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
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
