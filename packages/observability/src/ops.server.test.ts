import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry } from './metrics.js';
import { type OpsServer, startOpsServer } from './ops.server.js';

let ops: OpsServer | undefined;
afterEach(async () => ops?.close());

describe('ops server', () => {
  it('serves metrics with the default process metrics and the service label', async () => {
    const registry = createRegistry('unit');
    new Counter({ name: 'reelforge_things_total', help: 'things', registers: [registry] }).inc(3);
    ops = await startOpsServer({ port: 0, host: '127.0.0.1', registry });
    const body = await (await fetch(`http://127.0.0.1:${ops.port}/metrics`)).text();
    expect(body).toContain('reelforge_things_total{service="unit"} 3');
    expect(body).toContain('reelforge_process_cpu_seconds_total');
  });

  it('is not ready while a check fails, and says which', async () => {
    ops = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry: createRegistry('unit'),
      checks: { mysql: async () => {}, kafka: async () => Promise.reject(new Error('no brokers')) },
    });
    const res = await fetch(`http://127.0.0.1:${ops.port}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', checks: { mysql: 'ok', kafka: 'no brokers' } });
    expect((await fetch(`http://127.0.0.1:${ops.port}/healthz`)).status).toBe(200);
  });
});
