// `up`, `down`, `status`: the local stack's daemons first, then the Reelforge services that exist in this checkout.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Component } from './components/component.js';
import { kafka } from './components/kafka.component.js';
import { mariadb } from './components/mariadb.component.js';
import { moto } from './components/moto.component.js';
import { prometheus, removeScrapeTarget, writeScrapeTarget } from './components/prometheus.component.js';
import { redis } from './components/redis.component.js';
import { s3proxy } from './components/s3proxy.component.js';
import { ensureSchemathesis, ensureStandardWebhooks, ensureSystemPackages } from './installer.js';
import { logFile, portOpen, running, startDetached, stopDetached, waitFor } from './process.supervisor.js';
import { type ServiceSpec, services } from './services.js';
import { ENV_FILE, ROOT, STATE_DIR, stackEnv } from './stack.config.js';

export const components: Component[] = [kafka, mariadb, redis, s3proxy, moto, prometheus];
const log = (s: string) => process.stderr.write(`\x1b[1mreelforge\x1b[0m ${s}\n`);

export function writeEnvFile(): Record<string, string> {
  const env = stackEnv();
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(
    ENV_FILE,
    `# Written by ./reelforge up — where the local stack listens.\n${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
  );
  return env;
}

async function startComponent(c: Component): Promise<void> {
  if (running(c.name)) {
    await waitFor(c.name, c.healthy, c.startupTimeoutMs, logFile(c.name));
  } else {
    if (await portOpen(c.port)) {
      throw new Error(
        `port ${c.port} (${c.name}) is taken by a process this stack did not start; stop it, or move ours with REELFORGE_${c.name.toUpperCase()}_PORT`,
      );
    }
    log(`starting ${c.name}`);
    await c.start();
    await waitFor(c.name, c.healthy, c.startupTimeoutMs, logFile(c.name));
  }
  await c.provision?.();
}

export async function upStack(): Promise<void> {
  ensureSystemPackages(log);
  for (const c of components) await c.install(log);
  ensureSchemathesis(log);
  ensureStandardWebhooks(log);
  // Independent daemons start together; each waits for its own health.
  await Promise.all(components.map(startComponent));
  writeEnvFile();
}

async function startService(s: ServiceSpec, env: Record<string, string>): Promise<void> {
  if (!running(s.name)) {
    if (await portOpen(s.port)) throw new Error(`port ${s.port} (${s.name}) is taken; set ${s.portVar} to move it`);
    log(`starting ${s.name}`);
    startDetached(s.name, process.execPath, [join(ROOT, s.entry)], {
      cwd: ROOT,
      env: { ...env, ...s.env, NODE_ENV: 'development' },
    });
  }
  await waitFor(s.name, () => healthz(s.port), 30_000, logFile(s.name));
  writeScrapeTarget(s.name, s.port);
}

const healthz = async (port: number) =>
  (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;

export async function up(): Promise<void> {
  await upStack();
  const env = stackEnv();
  for (const step of services.setup) await step(env, log);
  for (const s of services.list.filter((x) => existsSync(join(ROOT, x.entry)))) await startService(s, env);
  await status();
}

export async function down(): Promise<void> {
  const names = [...services.list.map((s) => s.name).reverse(), ...components.map((c) => c.name).reverse()];
  for (const s of services.list) removeScrapeTarget(s.name);
  for (const name of names) if (await stopDetached(name)) log(`stopped ${name}`);
}

export async function isStackUp(): Promise<boolean> {
  const results = await Promise.all(components.map((c) => (running(c.name) ? c.healthy().catch(() => false) : false)));
  return results.every(Boolean);
}

export async function status(): Promise<boolean> {
  const parts = [
    ...components.map((c) => ({ name: c.name, url: c.url, healthy: c.healthy })),
    ...services.list
      .filter((s) => running(s.name) || existsSync(join(ROOT, s.entry)))
      .map((s) => ({ name: s.name, url: s.url, healthy: () => healthz(s.port) })),
  ];
  const rows: string[][] = [['NAME', 'STATE', 'PID', 'WHERE', 'LOG']];
  let allHealthy = true;
  for (const part of parts) {
    const pid = running(part.name);
    const healthy = pid ? await part.healthy().catch(() => false) : false;
    allHealthy &&= healthy;
    const state = pid ? (healthy ? 'healthy' : 'unhealthy') : 'stopped';
    rows.push([part.name, state, String(pid ?? '-'), part.url, logFile(part.name)]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows) process.stdout.write(`${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}\n`);
  process.stdout.write(`\nenv for services and tests: ${ENV_FILE}\n`);
  return allHealthy;
}
