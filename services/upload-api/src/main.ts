// Starts the upload API: env, adapters, the app, the outbox relay and the upload sweeper; stops them in order.
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { loadEnv } from '@reelforge/config';
import { createDb, pingDb, VideoRepository } from '@reelforge/db';
import { ensureTopics, kafkaFromEnv } from '@reelforge/kafka';
import { createLogger, createRegistry, onShutdown } from '@reelforge/observability';
import { outboxRelayFromEnv } from '@reelforge/outbox';
import { createS3Client } from '@reelforge/storage';
import { buildApp } from './app.js';
import { createRedis } from './cache/redis.client.js';
import { appConfigFromEnv, uploadApiEnv } from './env.js';
import { ExpiredUploadsQuery } from './upload/expired-uploads.query.js';
import { MultipartStore } from './upload/multipart.store.js';
import { skipPayloadSigning } from './upload/unsigned-payload.middleware.js';
import { UploadSweeper } from './upload/upload.sweeper.js';
import { startLiveStatusConsumer } from './videos/live-status.consumer.js';
import { CloudFrontAccess } from './videos/playback.access.js';

const env = loadEnv(uploadApiEnv);
const logger = createLogger({ service: 'upload-api', level: env.LOG_LEVEL });
const registry = createRegistry('upload-api');
const db = createDb({ url: env.MYSQL_URL, poolSize: env.MYSQL_POOL_SIZE });
const s3 = skipPayloadSigning(
  createS3Client({
    region: env.AWS_REGION,
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
  }),
);
const kafka = kafkaFromEnv(env, logger);
const redis = env.REDIS_URL
  ? createRedis(env.REDIS_URL, { commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS, logger })
  : undefined;
const admin = kafka.admin();
let adminConnected: Promise<void> | undefined;

// In AWS the CloudFront Function reads visibility and the token secrets from its key-value store; locally the
// playback edge reads marker objects (the default) and its own PLAYBACK_TOKEN_SECRETS.
const access =
  env.CDN_ACCESS_STORE_ARN && env.CDN_DISTRIBUTION_ID
    ? new CloudFrontAccess({
        storeArn: env.CDN_ACCESS_STORE_ARN,
        distributionId: env.CDN_DISTRIBUTION_ID,
        region: env.AWS_REGION,
      })
    : undefined;
if (access && env.PLAYBACK_TOKEN_SECRETS) await access.publishSecrets(env.PLAYBACK_TOKEN_SECRETS);

const app = await buildApp({
  config: appConfigFromEnv(env),
  logger,
  registry,
  db,
  s3,
  redis,
  access,
  readiness: {
    mysql: () => pingDb(db),
    s3: async () => {
      await s3.send(new HeadBucketCommand({ Bucket: env.RAW_BUCKET }));
      await s3.send(new HeadBucketCommand({ Bucket: env.PROCESSED_BUCKET }));
    },
  },
  optionalReadiness: {
    kafka: async () => {
      adminConnected ??= admin.connect().catch((err: unknown) => {
        adminConnected = undefined;
        throw err;
      });
      await adminConnected;
      await admin.describeCluster();
    },
  },
});

const relay = outboxRelayFromEnv(env, { db, kafka, logger, registry });
const sweeper = new UploadSweeper({
  expired: new ExpiredUploadsQuery(db),
  videos: new VideoRepository(db),
  objects: new MultipartStore(s3),
  logger: logger.child({ component: 'upload-sweeper' }),
  intervalMs: env.UPLOAD_SWEEP_INTERVAL_SEC * 1000,
});

// Every catalog topic (the topics this API's outbox rows go to among them). Not awaited: the API must come
// up (and take uploads into the outbox) while Kafka is still unreachable.
ensureTopics(kafka, {
  topicPrefix: env.KAFKA_TOPIC_PREFIX,
  partitions: env.KAFKA_PARTITIONS,
  replicationFactor: env.KAFKA_REPLICATION_FACTOR,
}).catch((err: unknown) => logger.warn({ err }, 'could not ensure Kafka topics; the relay will retry publishing'));

// Not awaited either: without Kafka the live streams still follow their videos by re-reading them.
const live = startLiveStatusConsumer({
  kafka,
  hub: app.liveStatus,
  logger: logger.child({ component: 'live-status-consumer' }),
  registry,
  topicPrefix: env.KAFKA_TOPIC_PREFIX,
});
live.catch((err: unknown) => logger.error({ err }, 'could not start the live status consumer'));

if (env.OUTBOX_RELAY_ENABLED) relay.start();
sweeper.start();
await app.listen({ port: env.PORT, host: env.HOST });

onShutdown(
  logger,
  [
    () => sweeper.stop(),
    // Stops accepting, then waits for requests in flight: an upload that is streaming finishes and is recorded.
    () => app.close(),
    async () => (await live.catch(() => undefined))?.stop(),
    // The last writer of the outbox gone: the batch in flight is marked sent; the rest waits for the next relay.
    () => relay.stop(),
    () => admin.disconnect(),
    async () => {
      await redis?.quit();
    },
    () => db.destroy(),
    async () => s3.destroy(),
  ],
  { timeoutMs: env.SHUTDOWN_GRACE_MS },
);
