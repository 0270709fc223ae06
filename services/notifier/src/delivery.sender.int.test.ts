// The sender against real sockets on loopback: what it refuses (and says why), that it follows no redirect, and
// that a receiver cannot hold it with a slow or endless answer.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Resolver, WebhookSender } from './delivery.sender.js';

const LOOPBACK = ['127.0.0.0/8', '::1/128'];
const servers: Server[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

let okPort: number;
let hits = 0;
beforeAll(async () => {
  okPort = await serve((req, res) => {
    hits++;
    req.resume();
    res.writeHead(204).end();
  });
});
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const sender = (allow: readonly string[], extra: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}) =>
  new WebhookSender({ allow, connectTimeoutMs: 1000, timeoutMs: 1500, ...extra });
const post = (s: WebhookSender, url: string) => s.send(url, { 'content-type': 'application/json' }, '{}');

describe('WebhookSender', () => {
  it('posts to an allowed target and reports its status and latency', async () => {
    const before = hits;
    const result = await post(sender(LOOPBACK), `http://127.0.0.1:${okPort}/hook`);
    expect(result).toMatchObject({ statusCode: 204, error: null });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(hits).toBe(before + 1);
  });

  it.each([
    ['http://127.0.0.1:PORT/', 'refused: 127.0.0.1 is in a refused range (loopback)'],
    ['http://169.254.169.254/latest/meta-data/', 'refused: 169.254.169.254 is in a refused range (metadata)'],
    ['http://10.0.0.1/', 'refused: 10.0.0.1 is in a refused range (private)'],
    ['http://[::1]:PORT/', 'refused: ::1 is in a refused range (loopback)'],
  ])('refuses the literal %s before connecting', async (url, error) => {
    const before = hits;
    expect(await post(sender([]), url.replace('PORT', String(okPort)))).toMatchObject({ statusCode: null, error });
    expect(hits).toBe(before);
  });

  it('refuses a host name that resolves to loopback (localhost)', async () => {
    const before = hits;
    const result = await post(sender([]), `http://localhost:${okPort}/`);
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1) \(loopback\)$/);
    expect(hits).toBe(before);
  });

  it('checks every address a name resolves to: one private among public ones refuses it', async () => {
    const resolve: Resolver = (_host, _opts, cb) =>
      cb(null, [
        { address: '93.184.215.14', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
    const result = await post(sender([], { resolve }), `http://hooks.example.test:${okPort}/`);
    expect(result).toMatchObject({
      statusCode: null,
      error: 'refused: hooks.example.test resolves to 127.0.0.1 (loopback)',
    });
  });

  it('connects to the address it checked (a resolver answering loopback, allowed)', async () => {
    const resolve: Resolver = (_host, _opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
    const result = await post(sender(LOOPBACK, { resolve }), `http://receiver.example.test:${okPort}/`);
    expect(result).toMatchObject({ statusCode: 204, error: null });
  });

  it('does not follow a redirect to loopback: the attempt is the 302', async () => {
    const before = hits;
    const redirector = await serve((req, res) => {
      req.resume();
      res.writeHead(302, { location: `http://127.0.0.1:${okPort}/internal` }).end();
    });
    expect(await post(sender(LOOPBACK), `http://127.0.0.1:${redirector}/`)).toMatchObject({
      statusCode: 302,
      error: null,
    });
    expect(hits).toBe(before);
  });

  it('gives up on a receiver that never answers, within the total timeout', async () => {
    const silent = await serve((req) => req.resume());
    const started = Date.now();
    const result = await post(sender(LOOPBACK, { timeoutMs: 500 }), `http://127.0.0.1:${silent}/`);
    expect(result).toMatchObject({ statusCode: null, error: 'timed out waiting for the answer' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reads a few KiB of an endless answer and hangs up', async () => {
    let written = 0;
    const endless = await serve((req, res) => {
      req.resume();
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (written < 1024 ** 3 && res.write(chunk)) written += chunk.length;
        if (written < 1024 ** 3) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    const result = await post(sender(LOOPBACK), `http://127.0.0.1:${endless}/`);
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(written).toBeLessThan(64 * 1024 ** 2);
  });
});
