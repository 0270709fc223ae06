// Every service refuses to start on a missing or malformed variable, naming it (exit 78, EX_CONFIG).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { services } from './services.js';
import { ROOT } from './stack.config.js';

// Each with one variable it parses, set to something malformed.
const malformed: Record<string, [string, string]> = {
  'upload-api': ['MYSQL_URL', 'postgres://nope'],
  dispatcher: ['MYSQL_URL', 'postgres://nope'],
  completion: ['MYSQL_URL', 'postgres://nope'],
  'events-ingest': ['PORT', 'eighty'],
  'events-lake': ['OPS_PORT', 'eighty'],
  'engagement-metrics': ['SESSION_IDLE_SEC', '-1'],
  'playback-edge': ['PORT', 'eighty'],
  notifier: ['WEBHOOK_ALLOW_PRIVATE_TARGETS', '127.0.0.1/40'],
  web: ['API_URL', 'not a url'],
};
const entries = [
  ...services.list.map((s) => [s.name, ...(malformed[s.name] ?? ['MYSQL_URL', 'postgres://nope']), s.entry] as const),
  ['transcoder (task mode)', 'JOB_SPEC', '{"videoId": 3}', 'services/transcoder/dist/task.main.js'] as const,
];

function start(entry: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [join(ROOT, entry)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('service start-up config', () => {
  it('every service of the stack is built', () => {
    expect(entries.filter(([, , , entry]) => !existsSync(join(ROOT, entry)))).toEqual([]);
  });

  it.each(entries)('%s exits 78 naming a missing variable', (_, _name, _value, entry) => {
    const r = start(entry, {});
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/invalid configuration:\n\s+[A-Z_]+:/);
  });

  it.each(entries)('%s exits 78 naming a malformed %s', (_, name, value, entry) => {
    const r = start(entry, { [name]: value });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(new RegExp(`\\n\\s+${name}[.:]`));
  });
});
