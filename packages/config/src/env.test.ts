import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, kafkaEnv, mysqlEnv, parseEnv } from './env.js';

const schema = z.object({ ...kafkaEnv, ...mysqlEnv, PORT: z.coerce.number().int().default(8080) });

describe('parseEnv', () => {
  it('coerces and defaults', () => {
    const env = parseEnv(schema, { KAFKA_BROKERS: 'a:9092, b:9092', MYSQL_URL: 'mysql://u:p@h:3306/db' });
    expect(env.KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(env.PORT).toBe(8080);
    expect(env.KAFKA_PARTITIONS).toBe(6);
  });

  it('names every wrong variable at once', () => {
    try {
      parseEnv(schema, { MYSQL_URL: 'postgres://x', PORT: 'eighty' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const vars = (err as ConfigError).problems.map((p) => p.variable).sort();
      expect(vars).toEqual(['KAFKA_BROKERS', 'MYSQL_URL', 'PORT']);
      expect((err as ConfigError).message).toContain('MYSQL_URL: a mysql:// URL');
    }
  });
});
