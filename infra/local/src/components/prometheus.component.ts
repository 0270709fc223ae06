// Debian's Prometheus, scraping the local services (infra/prometheus/prometheus.local.yml).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDetached } from '../process.supervisor.js';
import { ports, ROOT, STATE_DIR } from '../stack.config.js';
import type { Component } from './component.js';

const url = `http://127.0.0.1:${ports.prometheus}`;

export const prometheus: Component = {
  name: 'prometheus',
  url,
  port: ports.prometheus,
  startupTimeoutMs: 30_000,
  install() {},
  start() {
    const data = join(STATE_DIR, 'prometheus');
    mkdirSync(data, { recursive: true });
    startDetached('prometheus', 'prometheus', [
      `--config.file=${join(ROOT, 'infra/prometheus/prometheus.local.yml')}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      '--storage.tsdb.retention.time=7d',
      '--web.enable-lifecycle',
    ]);
  },
  async healthy() {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  },
};
