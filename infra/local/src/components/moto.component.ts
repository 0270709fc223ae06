// The moto server emulates the ECS API (LocalStack's port, so the env is the same with Docker). Objects are not
// kept here: moto holds state in memory, and the stack's S3 is s3proxy on disk (s3proxy.component.ts).
import { ensureMoto, motoBin } from '../installer.js';
import { startDetached } from '../process.supervisor.js';
import { ports } from '../stack.config.js';
import type { Component } from './component.js';

const url = `http://127.0.0.1:${ports.moto}`;

export const moto: Component = {
  name: 'moto',
  url,
  port: ports.moto,
  startupTimeoutMs: 30_000,
  install: ensureMoto,
  start() {
    startDetached('moto', motoBin(), ['-H', '127.0.0.1', '-p', String(ports.moto)]);
  },
  async healthy() {
    const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  },
};
