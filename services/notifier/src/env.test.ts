import { ConfigError, parseEnv } from '@reelforge/config';
import { describe, expect, it } from 'vitest';
import { notifierEnv } from './env.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/reelforge' };

describe('notifierEnv', () => {
  it('refuses every private target by default and retries for about a day', () => {
    const env = parseEnv(notifierEnv, base);
    expect(env.WEBHOOK_ALLOW_PRIVATE_TARGETS).toEqual([]);
    expect([env.OPS_PORT, env.CONSUMER_GROUP, env.WEBHOOK_MAX_ATTEMPTS]).toEqual([9404, 'reelforge-notifier', 12]);
    expect([env.WEBHOOK_RETRY_BASE_SEC, env.WEBHOOK_RETRY_MAX_SEC, env.WEBHOOK_DISABLE_AFTER_SEC]).toEqual([
      60, 28_800, 86_400,
    ]);
  });

  it('takes CIDRs to allow, and names a malformed one', () => {
    expect(
      parseEnv(notifierEnv, { ...base, WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8, ::1/128' })
        .WEBHOOK_ALLOW_PRIVATE_TARGETS,
    ).toEqual(['127.0.0.0/8', '::1/128']);
    expect(() => parseEnv(notifierEnv, { ...base, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'localhost' })).toThrow(ConfigError);
  });

  it('wants a lease longer than a request', () => {
    expect(() => parseEnv(notifierEnv, { ...base, DELIVERY_LEASE_SEC: '10', WEBHOOK_TIMEOUT_MS: '15000' })).toThrow(
      /DELIVERY_LEASE_SEC/,
    );
  });
});
