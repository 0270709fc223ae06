// Debian's redis-server as the cache of hot reads (feed pages, public video resources). It holds nothing that is
// not also in MySQL, so it is not persisted: a restart starts cold, and the API serves uncached while it is down.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen, startDetached } from '../process.supervisor.js';
import { ports, STATE_DIR } from '../stack.config.js';
import type { Component } from './component.js';

const dir = join(STATE_DIR, 'redis');

export const redis: Component = {
  name: 'redis',
  url: `redis://127.0.0.1:${ports.redis}`,
  port: ports.redis,
  startupTimeoutMs: 15_000,
  install() {},
  start() {
    mkdirSync(dir, { recursive: true });
    startDetached('redis', 'redis-server', [
      '--port',
      String(ports.redis),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      // A cache: when full, the least recently used entries go (every entry also has a TTL).
      '--maxmemory',
      '128mb',
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
  },
  healthy: () => portOpen(ports.redis),
};
