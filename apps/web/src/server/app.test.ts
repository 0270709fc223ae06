// The web server on its own: built files, the app's paths answered with index.html, and /v1 split between two
// upstreams (stand-ins that echo what reached them).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';

let app: FastifyInstance;
let dir: string;
const upstreams: Server[] = [];

/** An upstream that answers with its name, the method, path and body it received. */
async function echo(name: string): Promise<string> {
  const server = createServer((req, res) => {
    if (req.headers.accept === 'text/event-stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': ping\n\n');
      return; // never ends, as a live status stream until its video is done
    }
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ name, method: req.method, url: req.url, body, auth: req.headers.authorization ?? null }),
      );
    });
  });
  upstreams.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-web-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  app = await buildApp({
    apiUrl: await echo('api'),
    eventsUrl: await echo('events'),
    staticDir: dir,
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
  });
});

afterAll(async () => {
  await app?.close();
  for (const s of upstreams) s.close();
});

describe('web server', () => {
  it('serves the app, its hashed assets cached for good and index.html revalidated', async () => {
    const index = await app.inject({ url: '/' });
    expect([index.statusCode, index.headers['cache-control'], index.body]).toEqual([
      200,
      'no-cache',
      '<!doctype html><title>app</title>',
    ]);
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect([asset.statusCode, asset.headers['cache-control']]).toEqual([200, 'public, max-age=31536000, immutable']);
  });

  it('answers the app’s own paths with index.html, and a missing asset with 404', async () => {
    for (const url of ['/watch/11111111-2222-4333-8444-555555555555', '/mine', '/trending']) {
      const res = await app.inject({ url });
      expect([url, res.statusCode, res.body]).toEqual([url, 200, '<!doctype html><title>app</title>']);
    }
    expect((await app.inject({ url: '/assets/gone.js' })).statusCode).toBe(404);
  });

  it('sends /v1/events to the ingest and the rest of /v1 to the API, headers and bodies as they are', async () => {
    const events = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: 'Bearer s' },
      payload: '[{"a":1}]',
    });
    expect(events.json()).toEqual({
      name: 'events',
      method: 'POST',
      url: '/v1/events',
      body: '[{"a":1}]',
      auth: 'Bearer s',
    });
    const feed = await app.inject({ url: '/v1/feed?limit=2' });
    expect(feed.json()).toMatchObject({ name: 'api', method: 'GET', url: '/v1/feed?limit=2' });
    const like = await app.inject({ method: 'PUT', url: '/v1/videos/x/like', headers: { authorization: 'Bearer u' } });
    expect(like.json()).toMatchObject({ name: 'api', method: 'PUT', url: '/v1/videos/x/like', auth: 'Bearer u' });
  });

  it('closes at once with an event stream open: the stream is cut, not waited for', async () => {
    const own = await buildApp({
      apiUrl: await echo('api'),
      eventsUrl: await echo('events'),
      staticDir: dir,
      registry: new Registry(),
      logger: pino({ level: 'silent' }),
    });
    const url = await own.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${url}/v1/videos/x/events`, { headers: { accept: 'text/event-stream' } });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
    const reader = res.body?.getReader();
    expect(new TextDecoder().decode((await reader?.read())?.value)).toBe(': ping\n\n');
    const ended = reader?.read().then(
      (r) => (r.done ? 'ended' : 'data'),
      () => 'cut',
    );
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(['ended', 'cut']).toContain(await ended);
  });

  it('answers /healthz and counts requests by upstream on /metrics', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/reelforge_web_requests_total\{upstream="events",status="200"\} 1/);
    expect(metrics).toMatch(/reelforge_web_requests_total\{upstream="static",status="200"\} \d+/);
  });
});
