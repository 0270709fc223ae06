// Where the local stack lives and listens. Ports can be moved with env when a default one is taken.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const port = (name: string, fallback: number) => {
  const v = process.env[name];
  return v ? Number.parseInt(v, 10) : fallback;
};

export const ROOT = process.env.REELFORGE_ROOT ?? resolve(fileURLToPath(import.meta.url), '../../../..');
export const STATE_DIR = process.env.REELFORGE_STATE_DIR ?? join(ROOT, '.reelforge');
export const CACHE_DIR = process.env.REELFORGE_CACHE ?? join(homedir(), '.cache', 'reelforge');
export const LOG_DIR = join(STATE_DIR, 'logs');
export const RUN_DIR = join(STATE_DIR, 'run');
export const ENV_FILE = join(STATE_DIR, 'local.env');

export const ports = {
  kafka: port('REELFORGE_KAFKA_PORT', 9092),
  kafkaController: port('REELFORGE_KAFKA_CONTROLLER_PORT', 9093),
  mysql: port('REELFORGE_MYSQL_PORT', 3306),
  redis: port('REELFORGE_REDIS_PORT', 6379),
  moto: port('REELFORGE_MOTO_PORT', 4566),
  s3: port('REELFORGE_S3_PORT', 9000),
  prometheus: port('REELFORGE_PROMETHEUS_PORT', 9090),
};

export const KAFKA_VERSION = '4.1.1';
export const MOTO_VERSION = '5.2.5';
export const S3PROXY_VERSION = '4.1.0';
export const SCHEMATHESIS_VERSION = '4.32.5';
export const schemathesisBin = () => join(CACHE_DIR, `schemathesis-${SCHEMATHESIS_VERSION}`, 'bin', 'schemathesis');
export const STANDARDWEBHOOKS_VERSION = '1.1.0';
/** A Python with the PyPI `standardwebhooks` package: the webhook tests verify signatures with it, not with ours. */
export const standardWebhooksPython = () =>
  join(CACHE_DIR, `standardwebhooks-${STANDARDWEBHOOKS_VERSION}`, 'bin', 'python');
/** The store's only credentials: services and tests sign every request with them (no anonymous access). */
export const S3_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const BUCKETS = { raw: 'reelforge-raw', processed: 'reelforge-processed', lake: 'reelforge-lake' };

/** What services and tests read: the same names the services' zod env schemas parse. */
export function stackEnv(): Record<string, string> {
  return {
    KAFKA_BROKERS: `127.0.0.1:${ports.kafka}`,
    MYSQL_URL: `mysql://reelforge:reelforge@127.0.0.1:${ports.mysql}/reelforge`,
    REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
    // Objects live in s3proxy (on disk, survives restarts); moto stays only for the ECS API.
    S3_ENDPOINT: `http://127.0.0.1:${ports.s3}`,
    S3_FORCE_PATH_STYLE: 'true',
    ECS_ENDPOINT: `http://127.0.0.1:${ports.moto}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    RAW_BUCKET: BUCKETS.raw,
    PROCESSED_BUCKET: BUCKETS.processed,
    LAKE_BUCKET: BUCKETS.lake,
    PROMETHEUS_URL: `http://127.0.0.1:${ports.prometheus}`,
    // Drop a file_sd JSON here and the local Prometheus scrapes it within seconds (e2e tests do).
    PROMETHEUS_TARGETS_DIR: join(STATE_DIR, 'prometheus', 'targets'),
    // The OpenAPI fuzzer the upload API's tests run (installed with the stack).
    SCHEMATHESIS_BIN: schemathesisBin(),
    // The independent Standard Webhooks verifier of the webhook tests (installed with the stack).
    STANDARDWEBHOOKS_PYTHON: standardWebhooksPython(),
  };
}
