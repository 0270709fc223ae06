import { type ConfigError, parseEnv } from '@reelforge/config';
import { describe, expect, it } from 'vitest';
import { lakeEnv } from './env.js';

const required = { KAFKA_BROKERS: 'k:9092', MYSQL_URL: 'mysql://u:p@h:3306/db' };

describe('lake env', () => {
  it('defaults to the reelforge-lake bucket, ops on 9403, 128 MiB or 60 s chunks', () => {
    const env = parseEnv(lakeEnv, required);
    expect([env.LAKE_BUCKET, env.LAKE_PREFIX, env.OPS_PORT, env.FLUSH_MAX_BYTES, env.FLUSH_MAX_SPAN_SEC]).toEqual([
      'reelforge-lake',
      'events/',
      9403,
      128 * 1024 * 1024,
      60,
    ]);
  });

  it('does not ask for the media buckets', () => {
    expect(parseEnv(lakeEnv, required)).not.toHaveProperty('RAW_BUCKET');
  });

  it('refuses a buffer smaller than one chunk', () => {
    try {
      parseEnv(lakeEnv, { ...required, FLUSH_MAX_BYTES: '1000', BUFFER_MAX_BYTES: '999' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        { variable: 'BUFFER_MAX_BYTES', expected: 'at least FLUSH_MAX_BYTES' },
      ]);
    }
  });
});
