import { ConfigError, parseEnv } from '@reelforge/config';
import { describe, expect, it } from 'vitest';
import { CliEnv, limitsFromEnv, TaskEnv } from './env.js';

const spec = {
  version: 1,
  videoId: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  attempt: 2,
  source: { bucket: 'raw', key: 'sources/0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11/original' },
  output: { bucket: 'processed', prefix: 'videos/0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11/2/' },
  jobToken: 'f'.repeat(64),
};
const problemsOf = (env: Record<string, string>) => {
  try {
    parseEnv(TaskEnv, env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems.map((p) => p.variable);
  }
};

describe('TaskEnv', () => {
  it('parses the job and applies the defaults', () => {
    const env = parseEnv(TaskEnv, {
      KAFKA_BROKERS: 'b1:9092,b2:9092',
      JOB_SPEC: JSON.stringify(spec),
      MAX_PIXELS: '2073600',
      S3_ENDPOINT: 'http://127.0.0.1:4566',
    });
    expect(env.JOB_SPEC).toEqual({ ...spec, profile: 'default' });
    expect(env.KAFKA_BROKERS).toEqual(['b1:9092', 'b2:9092']);
    expect(limitsFromEnv(env)).toEqual({
      maxBytes: 20 * 1024 ** 3,
      maxDurationSec: 14_400,
      maxPixels: 2_073_600,
      maxStreams: 8,
    });
    expect(env.MAX_OUTPUT_SIDE).toBe(4096);
    expect([env.FFMPEG_THREADS, env.TRANSCODE_TIMEOUT_SEC, env.LOG_LEVEL, env.S3_FORCE_PATH_STYLE]).toEqual([
      0,
      21_600,
      'info',
      false,
    ]);
  });

  it('names JOB_SPEC when it is not JSON, and the field when the job is invalid', () => {
    expect(problemsOf({ KAFKA_BROKERS: 'b:9092', JOB_SPEC: '{nope' })).toEqual(['JOB_SPEC']);
    expect(problemsOf({ KAFKA_BROKERS: 'b:9092', JOB_SPEC: JSON.stringify({ ...spec, videoId: 'x' }) })).toEqual([
      'JOB_SPEC.videoId',
    ]);
    expect(problemsOf({ JOB_SPEC: JSON.stringify(spec), MAX_PIXELS: '-1' }).sort()).toEqual([
      'KAFKA_BROKERS',
      'MAX_PIXELS',
    ]);
  });
});

describe('CliEnv', () => {
  it('needs nothing and stays silent by default', () => {
    const env = parseEnv(CliEnv, {});
    expect(env.LOG_LEVEL).toBe('silent');
    expect(limitsFromEnv(env).maxDurationSec).toBe(14_400);
  });

  it('refuses a bad limit with its name', () => {
    expect(() => parseEnv(CliEnv, { MAX_DURATION_SEC: 'long' })).toThrow(ConfigError);
  });
});
