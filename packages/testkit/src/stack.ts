// Where the integration tests find Kafka, MySQL and S3: the running services named by env (the local stack or
// CI's), and only when env names none and a Docker engine answers, containers started by testcontainers.
import { execFileSync } from 'node:child_process';

export interface StackEnv {
  KAFKA_BROKERS: string;
  MYSQL_URL: string;
  S3_ENDPOINT: string;
  AWS_REGION: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
}

let started: Promise<StackEnv> | undefined;

export function stackEnv(): Promise<StackEnv> {
  started ??= resolveStack();
  return started;
}

async function resolveStack(): Promise<StackEnv> {
  const e = process.env;
  const creds = {
    AWS_REGION: e.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: e.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: e.AWS_SECRET_ACCESS_KEY ?? 'test',
  };
  if (e.KAFKA_BROKERS && e.MYSQL_URL && e.S3_ENDPOINT) {
    return { KAFKA_BROKERS: e.KAFKA_BROKERS, MYSQL_URL: e.MYSQL_URL, S3_ENDPOINT: e.S3_ENDPOINT, ...creds };
  }
  if (!dockerAvailable()) {
    throw new Error(
      'integration tests need KAFKA_BROKERS, MYSQL_URL and S3_ENDPOINT (run `./reelforge up`), or a Docker engine',
    );
  }
  const [{ KafkaContainer }, { MySqlContainer }, { LocalstackContainer }] = await Promise.all([
    import('@testcontainers/kafka'),
    import('@testcontainers/mysql'),
    import('@testcontainers/localstack'),
  ]);
  const [kafka, mysql, localstack] = await Promise.all([
    new KafkaContainer('apache/kafka:4.1.1').withKraft().start(),
    new MySqlContainer('mysql:8.4').withRootPassword('reelforge').start(),
    new LocalstackContainer('localstack/localstack:4').start(),
  ]);
  const env: StackEnv = {
    KAFKA_BROKERS: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
    MYSQL_URL: `mysql://root:reelforge@${mysql.getHost()}:${mysql.getPort()}/test`,
    S3_ENDPOINT: localstack.getConnectionUri(),
    ...creds,
  };
  Object.assign(process.env, env, { S3_FORCE_PATH_STYLE: 'true', ECS_ENDPOINT: env.S3_ENDPOINT });
  return env;
}

function dockerAvailable(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** A name no other test file (or earlier run) uses, valid for topics, databases and buckets. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
}

/** The Redis of the local stack (REDIS_URL); tests of the cache need a real one and say so when there is none. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('cache tests need REDIS_URL (run `./reelforge up`, which starts Redis)');
  return url;
}
