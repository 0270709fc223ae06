import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const healthcheck = fileURLToPath(new URL('../../../docker/healthcheck.mjs', import.meta.url));

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(status: number): Promise<number> {
  server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? status : 404).end();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The exit code of `node docker/healthcheck.mjs [port]`. */
const check = (args: string[], env: Record<string, string> = {}) =>
  new Promise<number>((resolve) => {
    execFile(process.execPath, [healthcheck, ...args], { env: { ...env } }, (err) =>
      resolve(err ? ((err as { code?: number }).code ?? -1) : 0),
    );
  });

describe('docker/healthcheck.mjs', () => {
  it('passes when /healthz answers 200 on the given port', async () => {
    expect(await check([String(await serve(200))])).toBe(0);
  });

  it('reads the port from HEALTH_PORT without an argument', async () => {
    expect(await check([], { HEALTH_PORT: String(await serve(200)) })).toBe(0);
  });

  it('fails on a non-2xx answer and on a closed port', async () => {
    expect(await check([String(await serve(503))])).toBe(1);
    const closed = await serve(200);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    expect(await check([String(closed)])).toBe(1);
  });
});
