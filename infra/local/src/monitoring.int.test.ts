// promtool (from Debian's prometheus package, installed by the stack) checks the config and unit-tests the alerts.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderPrometheusConfig } from './components/prometheus.component.js';
import { ROOT } from './stack.config.js';

const run = promisify(execFile);

describe('Prometheus config and rules', () => {
  it('promtool accepts the local config and its rule files', async () => {
    const file = renderPrometheusConfig(mkdtempSync(join(tmpdir(), 'prom-')));
    const { stdout } = await run('promtool', ['check', 'config', file]);
    expect(stdout).toMatch(/SUCCESS: 11 rules found/);
  });

  it('every alert fires on its situation and stays quiet otherwise (promtool test rules)', async () => {
    const { stdout, stderr } = await run('promtool', ['test', 'rules', 'reelforge.rules.test.yml'], {
      cwd: join(ROOT, 'infra/prometheus/rules'),
    });
    expect(`${stdout}${stderr}`).toContain('SUCCESS');
  });
});
