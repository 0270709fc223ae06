// The Grafana dashboard is checked for Grafana's structure and for naming only metrics Reelforge exports, so a
// renamed metric cannot silently leave a panel empty.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRegistry } from '@reelforge/observability';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ROOT } from './stack.config.js';

const Target = z.object({
  refId: z.string().min(1),
  expr: z.string().min(1),
  datasource: z.object({ uid: z.string() }),
});
const Panel = z.object({
  id: z.number().int(),
  type: z.enum(['timeseries', 'stat', 'gauge', 'bargauge', 'table', 'heatmap', 'text']),
  title: z.string().min(1),
  datasource: z.object({ type: z.literal('prometheus'), uid: z.string() }),
  gridPos: z.object({
    h: z.number().int().positive(),
    w: z.number().int().min(1).max(24),
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
  }),
  targets: z.array(Target).min(1),
});
const Dashboard = z.object({
  uid: z.string().min(1).max(40),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(30),
  panels: z.array(Panel).min(1),
});

const dashboardsDir = join(ROOT, 'infra/grafana/dashboards');
const dashboards = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, Dashboard.parse(JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8')))] as const);

/** Every metric name the code registers: literal names in the sources, plus prom-client's default metrics. */
function exportedMetrics(): Set<string> {
  const names = new Set(
    createRegistry('scan')
      .getMetricsAsArray()
      .map((m) => m.name),
  );
  for (const top of ['packages', 'services', 'apps']) {
    for (const pkg of readdirSync(join(ROOT, top))) {
      const src = join(ROOT, top, pkg, 'src');
      let files: string[];
      try {
        files = readdirSync(src, { recursive: true }) as string[];
      } catch {
        continue;
      }
      for (const f of files.filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts'))) {
        for (const m of readFileSync(join(src, f), 'utf8').matchAll(/['"`](reelforge_[a-z0-9_]+)['"`]/g)) {
          if (m[1]) names.add(m[1]);
        }
      }
    }
  }
  return names;
}

const seriesIn = (expr: string) =>
  [...expr.matchAll(/\b(reelforge_[a-z0-9_]+)/g)].map((m) => (m[1] ?? '').replace(/_(bucket|sum|count)$/, ''));

describe('Grafana dashboards', () => {
  const datasource = parseYaml(
    readFileSync(join(ROOT, 'infra/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
  ) as { datasources: { uid: string }[] };
  const exported = exportedMetrics();

  it.each(dashboards)('%s has unique panel ids that do not overlap and use the provisioned datasource', (_, d) => {
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    for (const p of d.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(datasource.datasources.map((s) => s.uid)).toContain(p.datasource.uid);
    }
  });

  it.each(dashboards)('%s queries only metrics the services export', (_, d) => {
    const unknown = d.panels.flatMap((p) =>
      p.targets.flatMap((t) =>
        seriesIn(t.expr)
          .filter((name) => !exported.has(name))
          .map((n) => `${p.title}: ${n}`),
      ),
    );
    expect(unknown).toEqual([]);
  });

  it('docs/observability.md lists every metric the services export', () => {
    const doc = readFileSync(join(ROOT, 'docs/observability.md'), 'utf8');
    const defaults = new Set(
      createRegistry('defaults')
        .getMetricsAsArray()
        .map((m) => m.name),
    );
    const undocumented = [...exported].filter((n) => !defaults.has(n) && !doc.includes(`\`${n}\``));
    expect(undocumented).toEqual([]);
  });

  it('the alert rules, too, name only exported metrics', () => {
    const rules = parseYaml(readFileSync(join(ROOT, 'infra/prometheus/rules/reelforge.rules.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const unknown = rules.groups
      .flatMap((g) => g.rules)
      .flatMap((r) =>
        seriesIn(r.expr)
          .filter((n) => !exported.has(n))
          .map((n) => `${r.alert}: ${n}`),
      );
    expect(unknown).toEqual([]);
  });
});
