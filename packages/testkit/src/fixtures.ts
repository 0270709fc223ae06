// Per-test-file isolation: each file gets its own topics, database and buckets, so files run in parallel.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { createConnection } from 'mysql2/promise';
import { stackEnv, uniqueName } from './stack.js';

export async function createTestTopics(names: string[], partitions = 3): Promise<{ prefix: string }> {
  const env = await stackEnv();
  const prefix = `${uniqueName('t')}.`;
  const admin = new Kafka({ brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((n) => ({ topic: prefix + n, numPartitions: partitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
  return { prefix };
}

/** A fresh, empty database; its URL replaces the database part of MYSQL_URL. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const env = await stackEnv();
  const name = uniqueName('t').replaceAll('-', '_');
  const server = new URL(env.MYSQL_URL);
  const admin = await createConnection({ uri: server.toString() });
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  const url = new URL(env.MYSQL_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = await createConnection({ uri: server.toString() });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export async function createTestBuckets<const K extends string>(
  ...roles: K[]
): Promise<Record<K, string> & { s3: S3Client }> {
  const env = await stackEnv();
  const s3 = new S3Client({ endpoint: env.S3_ENDPOINT, forcePathStyle: true, region: env.AWS_REGION });
  const out = { s3 } as Record<K, string> & { s3: S3Client };
  for (const role of roles) {
    const bucket = uniqueName(role);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    (out as Record<string, unknown>)[role] = bucket;
  }
  return out;
}
