import { ConfigError, parseEnv } from '@reelforge/config';
import { describe, expect, it } from 'vitest';
import { appConfigFromEnv, uploadApiEnv } from './env.js';

const minimal = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/reelforge',
  RAW_BUCKET: 'raw-bucket',
  PROCESSED_BUCKET: 'processed-bucket',
  JWT_SECRET: 'k'.repeat(32),
  PLAYBACK_SESSION_SECRETS: 's'.repeat(32),
};

describe('upload-api env', () => {
  it('fills the defaults', () => {
    const config = appConfigFromEnv(parseEnv(uploadApiEnv, minimal));
    expect(config).toEqual({
      jwtSecret: 'k'.repeat(32),
      jwtTtlSec: 3600,
      rawBucket: 'raw-bucket',
      processedBucket: 'processed-bucket',
      cdnBaseUrl: undefined,
      readUrlTtlSec: 3600,
      playbackSession: { secrets: ['s'.repeat(32)], ttlSec: 4 * 3600 },
      playbackTokenSecrets: undefined,
      live: { heartbeatMs: 15_000, maxSubscribers: 1000, resyncMs: 30_000 },
      maxUploadBytes: 20 * 1024 ** 3,
      directUploadTtlSec: 86400,
      bodyLimitBytes: 65536,
      trustProxyHops: 0,
      rateLimit: { windowSec: 60, ipMax: 600, userMax: 300, authMax: 20 },
      quotas: { streamingUploads: 2, openDirectUploads: 5, unfinishedVideos: 20, dailyUploadBytes: 50 * 1024 ** 3 },
      maxConcurrentUploads: 32,
      uploadIdleTimeoutMs: 30_000,
      cache: { keyPrefix: 'reelforge:', ttlSec: 30 },
      trendingWindowSec: 72 * 3600,
      webhooks: { allowTargets: [], secretGraceSec: 24 * 3600 },
      fargatePrices: { vcpuHourUsd: 0.04048, gbHourUsd: 0.004445 },
    });
    expect(parseEnv(uploadApiEnv, minimal).PORT).toBe(8080);
    expect(parseEnv(uploadApiEnv, minimal).REDIS_URL).toBeUndefined();
  });

  it('keeps cached presigned links valid: without a CDN an entry lives at most half of READ_URL_TTL_SEC', () => {
    expect(() => parseEnv(uploadApiEnv, { ...minimal, READ_URL_TTL_SEC: '100', CACHE_TTL_SEC: '51' })).toThrow(
      /CACHE_TTL_SEC/,
    );
    expect(parseEnv(uploadApiEnv, { ...minimal, READ_URL_TTL_SEC: '100', CACHE_TTL_SEC: '50' }).CACHE_TTL_SEC).toBe(50);
    expect(() => parseEnv(uploadApiEnv, { ...minimal, REDIS_URL: 'http://cache:6379' })).toThrow(/REDIS_URL/);
  });

  it('drops a trailing slash from CDN_BASE_URL', () => {
    const secrets = 'a'.repeat(32);
    expect(
      parseEnv(uploadApiEnv, {
        ...minimal,
        CDN_BASE_URL: 'https://cdn.example/media/',
        PLAYBACK_TOKEN_SECRETS: secrets,
      }).CDN_BASE_URL,
    ).toBe('https://cdn.example/media');
  });

  it('needs playback token secrets with a CDN (newest first, at most two, each ≥ 32 characters)', () => {
    expect(() => parseEnv(uploadApiEnv, { ...minimal, CDN_BASE_URL: 'https://cdn.example' })).toThrow(
      /PLAYBACK_TOKEN_SECRETS/,
    );
    expect(() => parseEnv(uploadApiEnv, { ...minimal, PLAYBACK_TOKEN_SECRETS: 'short' })).toThrow(
      /PLAYBACK_TOKEN_SECRETS/,
    );
    const two = `${'n'.repeat(32)}, ${'o'.repeat(32)}`;
    expect(parseEnv(uploadApiEnv, { ...minimal, PLAYBACK_TOKEN_SECRETS: two }).PLAYBACK_TOKEN_SECRETS).toEqual([
      'n'.repeat(32),
      'o'.repeat(32),
    ]);
    expect(() =>
      parseEnv(uploadApiEnv, { ...minimal, CDN_ACCESS_STORE_ARN: 'arn:aws:cloudfront::1:key-value-store/x' }),
    ).toThrow(/CDN_DISTRIBUTION_ID/);
  });

  it('names every wrong variable: a short secret, a TTL past what SigV4 can presign', () => {
    try {
      parseEnv(uploadApiEnv, { ...minimal, JWT_SECRET: 'short', DIRECT_UPLOAD_TTL_SEC: String(8 * 24 * 3600) });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
        'DIRECT_UPLOAD_TTL_SEC',
        'JWT_SECRET',
      ]);
    }
  });
});
