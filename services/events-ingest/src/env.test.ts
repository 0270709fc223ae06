import { availableParallelism } from 'node:os';
import { type ConfigError, parseEnv } from '@reelforge/config';
import { describe, expect, it } from 'vitest';
import { ingestEnv } from './env.js';

const SECRET = 's'.repeat(32);

describe('ingest env', () => {
  it('listens on 8081 by default and needs the brokers, MySQL (API keys) and the session secrets', () => {
    const env = parseEnv(ingestEnv, {
      KAFKA_BROKERS: 'a:9092,b:9092',
      MYSQL_URL: 'mysql://u:p@db:3306/r',
      PLAYBACK_SESSION_SECRETS: SECRET,
    });
    expect([
      env.PORT,
      env.KAFKA_BROKERS,
      env.RATE_LIMIT_EVENTS_PER_SEC,
      env.PRODUCE_MAX_BYTES,
      env.API_KEY_CACHE_SEC,
      env.MYSQL_POOL_SIZE,
    ]).toEqual([8081, ['a:9092', 'b:9092'], 20, 768 * 1024, 10, 2]);
  });

  it('runs one process unless told otherwise; auto means one per CPU', () => {
    const workers = (WORKERS?: string) =>
      parseEnv(ingestEnv, {
        KAFKA_BROKERS: 'k:9092',
        MYSQL_URL: 'mysql://u:p@db:3306/r',
        PLAYBACK_SESSION_SECRETS: SECRET,
        WORKERS,
      }).WORKERS;
    expect([workers(), workers('3'), workers('auto')]).toEqual([1, 3, availableParallelism()]);
    for (const bad of ['0', 'two', '2.5']) expect(() => workers(bad)).toThrow(/WORKERS/);
  });

  it('names every wrong variable', () => {
    try {
      parseEnv(ingestEnv, { PORT: 'eighty', RATE_LIMIT_BURST: '0' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
        'KAFKA_BROKERS',
        'MYSQL_URL',
        'PLAYBACK_SESSION_SECRETS',
        'PORT',
        'RATE_LIMIT_BURST',
      ]);
    }
  });
});
