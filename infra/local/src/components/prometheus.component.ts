// Debian's Prometheus, scraping the local services. Its config is rendered from infra/prometheus/prometheus.local.yml
// and its targets are files, one per service, so anything that starts a service can have it scraped.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDetached } from '../process.supervisor.js';
import { ports, ROOT, STATE_DIR } from '../stack.config.js';
import type { Component } from './component.js';

const url = `http://127.0.0.1:${ports.prometheus}`;
const dir = join(STATE_DIR, 'prometheus');
const targetsDir = join(dir, 'targets');

export function renderPrometheusConfig(into = dir): string {
  mkdirSync(join(into, 'targets'), { recursive: true });
  const config = readFileSync(join(ROOT, 'infra/prometheus/prometheus.local.yml'), 'utf8')
    .replaceAll('__STATE__', into)
    .replaceAll('__RULES__', join(ROOT, 'infra/prometheus/rules'))
    .replaceAll('__SELF__', `127.0.0.1:${ports.prometheus}`);
  const file = join(into, 'prometheus.yml');
  writeFileSync(file, config);
  return file;
}

export function writeScrapeTarget(service: string, port: number): void {
  mkdirSync(targetsDir, { recursive: true });
  writeFileSync(
    join(targetsDir, `${service}.json`),
    JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { service } }]),
  );
}

export function removeScrapeTarget(service: string): void {
  rmSync(join(targetsDir, `${service}.json`), { force: true });
}

export const prometheus: Component = {
  name: 'prometheus',
  url,
  port: ports.prometheus,
  startupTimeoutMs: 30_000,
  install() {},
  start() {
    startDetached('prometheus', 'prometheus', [
      `--config.file=${renderPrometheusConfig()}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
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
