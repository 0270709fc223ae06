// Monitoring end to end: the real Prometheus of the local stack scrapes this file's services while a clip goes
// through the pipeline, and its HTTP API then shows the key series with plausible values.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoClip } from './media.clips.js';
import { eventually, Pipeline, type ServiceName } from './pipeline.stack.js';

const prometheusUrl = process.env.PROMETHEUS_URL;
const targetsDir = process.env.PROMETHEUS_TARGETS_DIR;
type Watched = Extract<ServiceName, 'upload-api' | 'dispatcher' | 'completion'>;
const services: Watched[] = ['upload-api', 'dispatcher', 'completion'];

let pipeline: Pipeline;
const targetFiles: string[] = [];

beforeAll(async () => {
  if (!prometheusUrl || !targetsDir)
    throw new Error('PROMETHEUS_URL and PROMETHEUS_TARGETS_DIR come from ./reelforge up');
  pipeline = await Pipeline.create();
  await Promise.all(services.map((s) => pipeline.start(s)));
  mkdirSync(targetsDir, { recursive: true });
  for (const s of services) {
    const file = join(targetsDir, `e2e-${pipeline.prefix}${s}.json`);
    writeFileSync(file, JSON.stringify([{ targets: [instance(s)], labels: { service: s } }]));
    targetFiles.push(file);
  }
});

afterAll(async () => {
  for (const f of targetFiles) rmSync(f, { force: true });
  await pipeline?.close();
});

const instance = (s: ServiceName) => `127.0.0.1:${pipeline.port(s)}`;

/** The value of an instant query summed over its series, or null while Prometheus has no such series. */
async function query(expr: string): Promise<number | null> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  if (body.status !== 'success' || body.data.result.length === 0) return null;
  return body.data.result.reduce((sum, r) => sum + Number(r.value[1]), 0);
}

describe('Prometheus sees the pipeline', () => {
  it('scrapes every service and records an upload that became ready, with no failures', async () => {
    const token = await pipeline.register();
    const upload = await pipeline.upload(token, await videoClip({ width: 320, height: 240, seconds: 2 }), 'm.mp4');
    expect((await pipeline.settled(token, upload.id)).status).toBe('ready');

    const at = (s: ServiceName) => `instance="${instance(s)}"`;
    // Each target is scraped every 5 s at its own offset: wait until every service's scrape after `ready` has landed.
    const afterReady = {
      'upload-api': `reelforge_uploads_total{${at('upload-api')}}`,
      dispatcher: `reelforge_task_launches_total{${at('dispatcher')}}`,
      completion: `reelforge_upload_to_ready_seconds_count{${at('completion')}}`,
    } satisfies Record<Watched, string>;
    const seen = await eventually(
      'Prometheus to scrape every service after the video was ready',
      async () => {
        const values = await Promise.all(Object.values(afterReady).map(query));
        return values.every((v) => (v ?? 0) >= 1) || null;
      },
      60_000,
    );
    expect(seen).toBe(true);

    for (const s of services) expect(await query(`up{${at(s)}}`)).toBe(1);
    expect(await query(`reelforge_uploads_total{${at('upload-api')}}`)).toBeGreaterThanOrEqual(1);
    expect(await query(`reelforge_upload_bytes_total{${at('upload-api')}}`)).toBeGreaterThan(1000);
    expect(await query(`reelforge_task_launches_total{${at('dispatcher')}}`)).toBe(1);
    expect(await query(`reelforge_videos_ready_total{${at('completion')}}`)).toBe(1);
    expect(await query(`reelforge_renditions_total{${at('completion')}}`)).toBeGreaterThanOrEqual(1);
    const timeToReady = await query(`reelforge_upload_to_ready_seconds_sum{${at('completion')}}`);
    expect(timeToReady).toBeGreaterThan(0);
    expect(timeToReady).toBeLessThan(120);
    expect((await query(`reelforge_videos_failed_total{${at('completion')}}`)) ?? 0).toBe(0);
    expect((await query(`reelforge_kafka_dlq_messages_total{${at('dispatcher')}}`)) ?? 0).toBe(0);
    // Default process metrics are there too.
    expect(await query(`reelforge_process_resident_memory_bytes{${at('dispatcher')}}`)).toBeGreaterThan(0);
  });
});
