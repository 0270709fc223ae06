import { parseEnv } from '@reelforge/config';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EcsFargateLauncher } from './ecs.launcher.js';
import { dispatcherEnv } from './env.js';
import { createLauncher } from './launcher.factory.js';
import { LocalProcessLauncher } from './local-process.launcher.js';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/reelforge',
  PROCESSED_BUCKET: 'reelforge-processed',
};
const logger = pino({ level: 'silent' });
const choose = (env: Record<string, string>) => createLauncher(parseEnv(dispatcherEnv, { ...base, ...env }), logger);

describe('createLauncher', () => {
  it('runs local children up to LOCAL_MAX_CONCURRENCY', () => {
    // Any file that exists will do as the entry here; it is not run.
    const choice = choose({ TRANSCODER_ENTRY: new URL(import.meta.url).pathname, LOCAL_MAX_CONCURRENCY: '3' });
    expect(choice.launcher).toBeInstanceOf(LocalProcessLauncher);
    expect(choice.maxConcurrency).toBe(3);
  });

  it('refuses to boot the local launcher without a built transcoder', () => {
    expect(() => choose({ TRANSCODER_ENTRY: '/nonexistent/task.main.js' })).toThrow(
      'TRANSCODER_ENTRY /nonexistent/task.main.js does not exist (build @reelforge/transcoder)',
    );
  });

  it('launches on ECS without a local cap when a cluster is configured', async () => {
    const choice = choose({ ECS_CLUSTER: 'c', ECS_TASK_DEFINITION: 'td', ECS_SUBNETS: 'subnet-a' });
    expect(choice.launcher).toBeInstanceOf(EcsFargateLauncher);
    expect(choice.launcher.kind).toBe('ecs');
    expect(choice.maxConcurrency).toBe(Number.POSITIVE_INFINITY);
    await choice.launcher.close(0);
  });
});
