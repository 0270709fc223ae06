// The completion consumer on the real Kafka and MariaDB: transcoder reports in, rows out, nothing recorded twice
// and nothing recorded from a superseded attempt.
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseEnv } from '@reelforge/config';
import {
  type MessageOf,
  processingFailed,
  type VideoTranscodedV1,
  type VideoTranscodeFailedV1,
} from '@reelforge/contracts';
import {
  createDb,
  type Database,
  JobRepository,
  type Kysely,
  migrateToLatest,
  RenditionRepository,
  UserRepository,
  VideoRepository,
} from '@reelforge/db';
import {
  createEventProducer,
  createKafka,
  type EventProducer,
  ensureTopics,
  type RunningConsumer,
} from '@reelforge/kafka';
import { outboxRelayFromEnv } from '@reelforge/outbox';
import { listKeys, outputPrefix } from '@reelforge/storage';
import { createTestBuckets, createTestDatabase, createTestTopics, stackEnv, uniqueName } from '@reelforge/testkit';
import { type Kafka, type KafkaMessage, Partitioners } from 'kafkajs';
import { pino } from 'pino';
import { type Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CompletionTopic, completionTopics, startCompletion } from './completion.consumer.js';
import { completionEnv } from './env.js';

// TEST_LOG_LEVEL=debug shows what the consumer decides.
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const quick = { sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 } as const;
const MAX_ATTEMPTS = 3;
// Long enough that a retry's outbox row is plainly in the future, whatever the jitter: [30, 60) s after attempt 1.
const RETRY_BASE_SEC = 60;

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;
let kafka: Kafka;
let prefix: string;
let producer: EventProducer;
let consumer: RunningConsumer;
const registry = new Registry();
let videos: VideoRepository;
let jobs: JobRepository;
let renditions: RenditionRepository;
let s3: S3Client;
let processed: string;

beforeAll(async () => {
  const env = await stackEnv();
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 4 });
  await migrateToLatest(db);
  videos = new VideoRepository(db);
  jobs = new JobRepository(db);
  renditions = new RenditionRepository(db);
  ({ s3, processed } = await createTestBuckets('processed'));

  kafka = createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'completion-int', logger });
  ({ prefix } = await createTestTopics([...completionTopics], 2));
  // Adds the dead-letter topics beside the ones created above, as main.ts does at start-up.
  await ensureTopics(kafka, {
    topicPrefix: prefix,
    partitions: 2,
    replicationFactor: 1,
    topics: [...completionTopics, 'video.uploaded', 'video.status-changed'],
  });
  producer = createEventProducer(kafka, { topicPrefix: prefix, logger });
  await producer.connect();

  consumer = await startCompletion({
    kafka,
    db,
    logger,
    registry,
    groupId: uniqueName('completion'),
    topicPrefix: prefix,
    policy: { maxAttempts: MAX_ATTEMPTS, backoff: { baseSec: RETRY_BASE_SEC, maxSec: 300 } },
    outputs: { s3, bucket: processed },
    consumer: { ...quick, retry: { attempts: 3, initialMs: 10, maxMs: 50 }, poisonAttempts: 3 },
  });
  await consumer.ready();
});

afterAll(async () => {
  await consumer?.stop();
  await producer?.disconnect();
  await db?.destroy();
  await testDb?.drop();
});

const waitFor = (condition: () => Promise<unknown> | unknown) =>
  vi.waitFor(condition, { timeout: 20_000, interval: 25 });

/** Deliveries of `topic` the consumer has finished with (handled or parked in the DLQ). */
async function finished(topic: string): Promise<number> {
  const metric = registry.getSingleMetric('reelforge_kafka_messages_consumed_total') as Counter | undefined;
  const values = metric ? (await metric.get()).values : [];
  return values
    .filter((v) => v.labels.topic === topic && v.labels.outcome !== 'failed')
    .reduce((sum, v) => sum + v.value, 0);
}

/** Publishes, then waits until the consumer has finished with that many more messages of the topic. */
async function deliver<T extends CompletionTopic>(topic: T, messages: MessageOf<T>[]) {
  const before = await finished(topic);
  await producer.send(topic, messages);
  await waitFor(async () => expect(await finished(topic)).toBeGreaterThanOrEqual(before + messages.length));
}

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name) as Counter | undefined;
  const values = metric ? (await metric.get()).values : [];
  return values
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A video uploaded and queued for attempt 1, with its job launched and running, as the dispatcher leaves it. */
async function runningVideo(): Promise<{ videoId: string; jobId: string }> {
  const owner = await new UserRepository(db).create({ email: `${uniqueName('u')}@example.com`, passwordHash: 'h' });
  const videoId = randomUUID();
  await db.transaction().execute(async (tx) => {
    await videos.create(tx, {
      id: videoId,
      ownerId: owner.id,
      title: 'clip',
      status: 'uploaded',
      sourceBucket: 'raw',
      sourceKey: `sources/${videoId}`,
      sourceBytes: 123_456,
      sourceSha256: 'c'.repeat(64),
      contentType: 'video/mp4',
      createdAt: new Date(Date.now() - 90_000),
    });
    await videos.transition(videoId, ['uploaded'], 'queued', {}, tx);
  });
  const jobId = await startAttempt(videoId, 1);
  return { videoId, jobId };
}

/** Each started attempt's job token, which its reports carry as a transcoder's would. */
const jobTokens = new Map<string, string>();
const jobToken = (videoId: string, attempt: number) => jobTokens.get(`${videoId}/${attempt}`);

/** The job of `attempt` created, claimed and running, and the video processing it. */
async function startAttempt(videoId: string, attempt: number): Promise<string> {
  const { job } = await db
    .transaction()
    .execute((tx) =>
      jobs.createIfAbsent(tx, { videoId, attempt, launcher: 'local', deadlineAt: new Date(Date.now() + 600_000) }),
    );
  jobTokens.set(`${videoId}/${attempt}`, job.jobToken);
  expect(await jobs.claimForLaunch(job.id, `tok-${videoId}-${attempt}`.slice(0, 64))).not.toBeNull();
  expect(await jobs.markRunning(job.id, 'pid-1')).toBe(true);
  expect(await videos.markProcessing(videoId, attempt)).toBe(true);
  return job.id;
}

const transcoded = (videoId: string, attempt: number): VideoTranscodedV1 => {
  const base = `videos/${videoId}/${attempt}`;
  return {
    version: 1,
    videoId,
    attempt,
    jobToken: jobToken(videoId, attempt),
    renditions: [
      {
        name: '360p',
        width: 640,
        height: 360,
        bitrateKbps: 800,
        codecs: 'avc1.4d401e,mp4a.40.2',
        mp4Key: `${base}/360p.mp4`,
        playlistKey: `${base}/360p/index.m3u8`,
        bytes: 700_000,
      },
      {
        name: '720p',
        width: 1280,
        height: 720,
        bitrateKbps: 2800,
        codecs: 'avc1.64001f,mp4a.40.2',
        mp4Key: `${base}/720p.mp4`,
        playlistKey: `${base}/720p/index.m3u8`,
        bytes: 2_400_000,
      },
    ],
    hlsMasterKey: `${base}/master.m3u8`,
    posterKey: `${base}/poster.jpg`,
    thumbnails: {
      spriteKey: `${base}/sprite.jpg`,
      vttKey: `${base}/storyboard.vtt`,
      intervalSec: 2,
      tileWidth: 160,
      tileHeight: 90,
    },
    durationSec: 8.5,
    source: { width: 1920, height: 1080, hasAudio: true },
  };
};

/** What a transcoder leaves in the processed bucket for an attempt (a few of its keys). */
async function writeOutputs(videoId: string, attempt: number): Promise<string[]> {
  const keys = ['master.m3u8', '360p.mp4', '360p/index.m3u8'].map((k) => `${outputPrefix(videoId, attempt)}${k}`);
  for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: processed, Key, Body: 'x' }));
  return keys;
}

const failure = (videoId: string, attempt: number, over: Partial<VideoTranscodeFailedV1> = {}) => ({
  version: 1 as const,
  videoId,
  attempt,
  jobToken: jobToken(videoId, attempt),
  code: 'TRANSCODE_FAILED',
  message: 'ffmpeg exited with 1',
  retryable: true,
  ...over,
});

/** The partition kafkajs's default partitioner gives a key on these two-partition topics. */
const partitionOf = (key: string): number =>
  Partitioners.DefaultPartitioner()({
    topic: '',
    partitionMetadata: [0, 1].map((partitionId) => ({
      partitionId,
      partitionErrorCode: 0,
      leader: 0,
      replicas: [0],
      isr: [0],
    })),
    message: { key, value: null },
  });

/** What completion itself schedules (retries); every status change's `video.status-changed` is left out. */
const outboxRows = (videoId: string) =>
  db
    .selectFrom('outbox')
    .selectAll()
    .where('messageKey', '=', videoId)
    .where('topic', '!=', 'video.status-changed')
    .orderBy('id')
    .execute();

const secondsAfter = (later: Date, earlier: Date) => (later.getTime() - earlier.getTime()) / 1000;

describe('completion consumer', () => {
  it('records a transcoded attempt: renditions, keys and sizes, video ready, job succeeded', async () => {
    const { videoId, jobId } = await runningVideo();
    const readyBefore = await counter('reelforge_videos_ready_total');
    await deliver('video.transcoded', [transcoded(videoId, 1)]);

    const video = await videos.findById(videoId);
    expect(video).toMatchObject({
      status: 'ready',
      attempt: 1,
      progressPct: 100,
      hlsMasterKey: `videos/${videoId}/1/master.m3u8`,
      posterKey: `videos/${videoId}/1/poster.jpg`,
      spriteKey: `videos/${videoId}/1/sprite.jpg`,
      vttKey: `videos/${videoId}/1/storyboard.vtt`,
      durationSec: 8.5,
      width: 1920,
      height: 1080,
      errorCode: null,
    });
    expect(video?.readyAt).toBeInstanceOf(Date);
    const rows = await renditions.listForVideo(videoId);
    expect(
      rows.map((r) => [r.name, r.attempt, r.width, r.height, r.bitrateKbps, r.codecs, r.mp4Key, Number(r.bytes)]),
    ).toEqual([
      ['360p', 1, 640, 360, 800, 'avc1.4d401e,mp4a.40.2', `videos/${videoId}/1/360p.mp4`, 700_000],
      ['720p', 1, 1280, 720, 2800, 'avc1.64001f,mp4a.40.2', `videos/${videoId}/1/720p.mp4`, 2_400_000],
    ]);
    expect(rows.map((r) => r.playlistKey)).toEqual([
      `videos/${videoId}/1/360p/index.m3u8`,
      `videos/${videoId}/1/720p/index.m3u8`,
    ]);
    const job = await jobs.findById(jobId);
    expect([job?.status, job?.finishedAt instanceof Date]).toEqual(['succeeded', true]);

    expect(await counter('reelforge_videos_ready_total')).toBe(readyBefore + 1);
    const text = await registry.metrics();
    expect(text).toMatch(/reelforge_upload_to_ready_seconds_count \d+/);
    expect(text).toMatch(/reelforge_transcode_realtime_factor_count [1-9]/);
  });

  it('records the same transcoded message twice as one set of renditions', async () => {
    const { videoId } = await runningVideo();
    const message = transcoded(videoId, 1);
    await deliver('video.transcoded', [message]);
    const first = await videos.findById(videoId);
    await deliver('video.transcoded', [message, message]);

    expect((await renditions.listForVideo(videoId)).map((r) => r.name)).toEqual(['360p', '720p']);
    const again = await videos.findById(videoId);
    expect([again?.status, again?.readyAt, again?.updatedAt]).toEqual(['ready', first?.readyAt, first?.updatedAt]);
  });

  it("changes nothing for a stale attempt's result after a newer attempt started", async () => {
    const { videoId, jobId } = await runningVideo();
    // Attempt 1 was given up (say the reaper found it lost) and attempt 2 is running.
    await db.transaction().execute((tx) => videos.startNextAttempt(tx, videoId, 1));
    const job2 = await startAttempt(videoId, 2);
    await deliver('video.transcode-progress', [
      { version: 1, videoId, attempt: 2, jobToken: jobToken(videoId, 2), percent: 20 },
    ]);
    const before = await videos.findById(videoId);

    await deliver('video.transcoded', [transcoded(videoId, 1)]);
    await deliver('video.transcode-failed', [failure(videoId, 1, { code: 'UNSUPPORTED_INPUT', retryable: false })]);

    expect(await videos.findById(videoId)).toEqual(before);
    expect(before).toMatchObject({ status: 'processing', attempt: 2, progressPct: 20, hlsMasterKey: null });
    expect(await renditions.listForVideo(videoId)).toEqual([]);
    expect((await jobs.findById(jobId))?.status).toBe('running');
    expect((await jobs.findById(job2))?.status).toBe('running');
    expect(await outboxRows(videoId)).toEqual([]);
  });

  it('deletes what a transcoder wrote for a video deleted meanwhile, or for a superseded attempt, and nothing else', async () => {
    const deleted = await runningVideo();
    await writeOutputs(deleted.videoId, 1);
    await videos.delete(deleted.videoId);
    const retried = await runningVideo();
    await db.transaction().execute((tx) => videos.startNextAttempt(tx, retried.videoId, 1));
    await startAttempt(retried.videoId, 2);
    await writeOutputs(retried.videoId, 1);
    const current = await writeOutputs(retried.videoId, 2);
    const shown = await runningVideo();
    const kept = await writeOutputs(shown.videoId, 1);

    await deliver('video.transcoded', [transcoded(shown.videoId, 1)]);
    await deliver('video.transcoded', [transcoded(deleted.videoId, 1), transcoded(retried.videoId, 1)]);
    // A redelivery of the report the ready video recorded deletes nothing.
    await deliver('video.transcoded', [transcoded(shown.videoId, 1)]);

    expect(await listKeys(s3, processed, `videos/${deleted.videoId}/`)).toEqual([]);
    expect((await listKeys(s3, processed, `videos/${retried.videoId}/`)).sort()).toEqual(current.sort());
    expect((await listKeys(s3, processed, `videos/${shown.videoId}/`)).sort()).toEqual(kept.sort());
    expect((await videos.findById(shown.videoId))?.status).toBe('ready');
  });

  it('deletes earlier attempts’ leftovers when the video becomes ready (their failure report was never acted on)', async () => {
    const v = await runningVideo();
    // Attempt 1 was superseded without its failure report reaching completion: its files are still there.
    await writeOutputs(v.videoId, 1);
    await db.transaction().execute((tx) => videos.startNextAttempt(tx, v.videoId, 1));
    await startAttempt(v.videoId, 2);
    const shown = await writeOutputs(v.videoId, 2);

    await deliver('video.transcoded', [transcoded(v.videoId, 2)]);

    expect(await videos.findById(v.videoId)).toMatchObject({ status: 'ready', attempt: 2 });
    expect((await listKeys(s3, processed, `videos/${v.videoId}/`)).sort()).toEqual(shown.sort());
  });

  it('records a chunked attempt’s stitch: its task seconds on the job, the stitch part done, the chunks deleted', async () => {
    const v = await runningVideo();
    await db.updateTable('transcodeJobs').set({ chunkCount: 2 }).where('id', '=', v.jobId).execute();
    const stitchId = randomUUID();
    await db
      .insertInto('transcodeParts')
      .values({
        id: stitchId,
        jobId: v.jobId,
        videoId: v.videoId,
        attempt: 1,
        kind: 'stitch',
        chunkIndex: 0,
        startSec: null,
        endSec: null,
        status: 'running',
        partAttempt: 1,
        taskId: 'pid-2',
        launchToken: null,
        launchAfter: null,
        capacityWaits: 0,
        deadlineAt: new Date(Date.now() + 600_000),
        taskSeconds: 0,
        startedAt: new Date(),
        finishedAt: null,
        exitCode: null,
        errorCode: null,
        errorMessage: null,
        createdAt: new Date(),
        updatedAt: new Date(),
      })
      .execute();
    const shown = await writeOutputs(v.videoId, 1);
    for (const k of ['chunks/plan.json', 'chunks/0/360p.mp4', 'chunks/aux/audio.m4a']) {
      await s3.send(new PutObjectCommand({ Bucket: processed, Key: `${outputPrefix(v.videoId, 1)}${k}`, Body: 'x' }));
    }
    const before = await counter('reelforge_task_seconds_total', { part: 'stitch' });

    await deliver('video.transcoded', [{ ...transcoded(v.videoId, 1), taskSeconds: 42.5 }]);

    expect(await videos.findById(v.videoId)).toMatchObject({ status: 'ready' });
    expect(await jobs.findById(v.jobId)).toMatchObject({ status: 'succeeded', taskSeconds: 42.5 });
    expect(
      await db.selectFrom('transcodeParts').select('status').where('id', '=', stitchId).executeTakeFirst(),
    ).toEqual({
      status: 'succeeded',
    });
    expect((await listKeys(s3, processed, `videos/${v.videoId}/`)).sort()).toEqual(shown.sort());
    expect(await counter('reelforge_task_seconds_total', { part: 'stitch' })).toBe(before + 42.5);
  });

  it('fails a chunked attempt the dispatcher ended, with its part’s code, and deletes its parts’ files', async () => {
    const v = await runningVideo();
    // What the dispatcher does when a part fails for good: the job ends failed, the video is left to this service.
    await db
      .updateTable('transcodeJobs')
      .set({ chunkCount: 2, status: 'failed', errorCode: 'DECODE_ERROR' })
      .where('id', '=', v.jobId)
      .execute();
    for (const k of ['chunks/plan.json', 'chunks/0/360p.mp4', 'chunks/aux/audio.m4a']) {
      await s3.send(new PutObjectCommand({ Bucket: processed, Key: `${outputPrefix(v.videoId, 1)}${k}`, Body: 'x' }));
    }
    const message = 'chunk 1 could not be decoded: Invalid NAL unit size';

    await deliver('video.transcode-failed', [
      failure(v.videoId, 1, { code: 'DECODE_ERROR', message, retryable: false }),
    ]);

    expect(await videos.findById(v.videoId)).toMatchObject({
      status: 'failed',
      attempt: 1,
      errorCode: 'DECODE_ERROR',
      errorMessage: message,
    });
    expect(await jobs.findById(v.jobId)).toMatchObject({ status: 'failed', errorCode: 'DECODE_ERROR' });
    expect(await listKeys(s3, processed, `videos/${v.videoId}/`)).toEqual([]);
  });

  it('deletes what a failed attempt left behind (a result whose publication was lost), retried or not', async () => {
    const retried = await runningVideo();
    await writeOutputs(retried.videoId, 1);
    const failed = await runningVideo();
    await writeOutputs(failed.videoId, 1);
    const redelivered = await runningVideo();
    const ready = await writeOutputs(redelivered.videoId, 1);
    await deliver('video.transcoded', [transcoded(redelivered.videoId, 1)]);

    await deliver('video.transcode-failed', [
      failure(retried.videoId, 1, { code: 'INTERRUPTED', message: 'exit 1' }),
      failure(failed.videoId, 1, { code: 'EMPTY_INPUT', message: 'bad', retryable: false }),
      // After the ready report: a stale failure deletes nothing the video shows.
      failure(redelivered.videoId, 1, { code: 'TASK_LOST', message: 'late reaper' }),
    ]);

    expect(await videos.findById(retried.videoId)).toMatchObject({ status: 'queued', attempt: 2 });
    expect(await listKeys(s3, processed, `videos/${retried.videoId}/`)).toEqual([]);
    expect((await videos.findById(failed.videoId))?.status).toBe('failed');
    expect(await listKeys(s3, processed, `videos/${failed.videoId}/`)).toEqual([]);
    expect((await videos.findById(redelivered.videoId))?.status).toBe('ready');
    expect((await listKeys(s3, processed, `videos/${redelivered.videoId}/`)).sort()).toEqual(ready.sort());
  });

  it('turns a retryable failure into attempt 2, queued, with a delayed video.uploaded in the outbox', async () => {
    const { videoId, jobId } = await runningVideo();
    const retriesBefore = await counter('reelforge_transcode_retries_total');
    await deliver('video.transcode-failed', [failure(videoId, 1, { code: 'TASK_LOST', message: 'exit 137' })]);

    expect(await videos.findById(videoId)).toMatchObject({
      status: 'queued',
      attempt: 2,
      progressPct: 0,
      errorCode: null,
    });
    expect(await jobs.findById(jobId)).toMatchObject({
      status: 'failed',
      errorCode: 'TASK_LOST',
      errorMessage: 'exit 137',
    });
    const rows = await outboxRows(videoId);
    expect(rows).toHaveLength(1);
    const row = rows[0] as (typeof rows)[number];
    expect(row.topic).toBe('video.uploaded');
    expect(row.sentAt).toBeNull();
    expect(JSON.parse(row.payload)).toMatchObject({
      version: 1,
      videoId,
      attempt: 2,
      source: { bucket: 'raw', key: `sources/${videoId}` },
      bytes: 123_456,
      sha256: 'c'.repeat(64),
      contentType: 'video/mp4',
    });
    // Equal jitter on a 60 s step: between 30 and 60 s after it was written, so well in the future now.
    const delay = secondsAfter(row.availableAt, row.createdAt);
    expect(delay).toBeGreaterThanOrEqual(30);
    expect(delay).toBeLessThanOrEqual(60);
    expect(row.availableAt.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect(await counter('reelforge_transcode_retries_total')).toBe(retriesBefore + 1);
    expect(await counter('reelforge_transcode_failures_total', { code: 'TASK_LOST', retryable: 'true' })).toBe(1);
  });

  it('publishes the retry itself, with no upload-api running: its own relay, wired as main.ts wires it', async () => {
    const { videoId } = await runningVideo();
    await deliver('video.transcode-failed', [failure(videoId, 1, { code: 'TASK_LOST', message: 'exit 137' })]);
    // The backoff has passed.
    await db.updateTable('outbox').set({ availableAt: new Date() }).where('messageKey', '=', videoId).execute();

    const env = parseEnv(completionEnv, {
      KAFKA_BROKERS: (await stackEnv()).KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      MYSQL_URL: testDb.url,
      RAW_BUCKET: 'raw',
      PROCESSED_BUCKET: processed,
      OUTBOX_POLL_MS: '50',
    });
    expect(env.OUTBOX_RELAY_ENABLED).toBe(true);
    const relay = outboxRelayFromEnv(env, { db, kafka, logger, registry: new Registry() });
    const reader = kafka.consumer({ groupId: uniqueName('reader') });
    const uploaded: { key: string; attempt: number }[] = [];
    try {
      relay.start();
      await reader.connect();
      await reader.subscribe({ topic: `${prefix}video.uploaded`, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          const key = message.key?.toString() ?? '';
          if (key === videoId) uploaded.push({ key, attempt: JSON.parse(message.value?.toString() ?? '{}').attempt });
        },
      });
      await waitFor(() => expect(uploaded).toEqual([{ key: videoId, attempt: 2 }]));
    } finally {
      await reader.disconnect();
      await relay.stop();
    }
    const [row] = await outboxRows(videoId);
    expect(row?.sentAt).not.toBeNull();
  });

  it('fails the video with the code when the last attempt fails too, after backing off longer each time', async () => {
    const { videoId } = await runningVideo();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await startAttempt(videoId, attempt);
      await deliver('video.transcode-failed', [
        failure(videoId, attempt, { code: 'TRANSCODE_TIMEOUT', message: `attempt ${attempt} timed out` }),
      ]);
    }

    expect(await videos.findById(videoId)).toMatchObject({
      status: 'failed',
      attempt: MAX_ATTEMPTS,
      errorCode: 'TRANSCODE_TIMEOUT',
      errorMessage: `attempt ${MAX_ATTEMPTS} timed out`,
    });
    const rows = await outboxRows(videoId);
    expect(rows.map((r) => JSON.parse(r.payload).attempt)).toEqual([2, 3]);
    const delays = rows.map((r) => secondsAfter(r.availableAt, r.createdAt));
    expect(delays[0]).toBeGreaterThanOrEqual(30);
    expect(delays[0]).toBeLessThanOrEqual(60);
    expect(delays[1]).toBeGreaterThanOrEqual(60);
    expect(delays[1]).toBeLessThanOrEqual(120);
    expect(await counter('reelforge_videos_failed_total', { code: 'TRANSCODE_TIMEOUT' })).toBe(1);
  });

  it('fails a video at once on a permanent failure, with code and message and no retry', async () => {
    const { videoId, jobId } = await runningVideo();
    await deliver('video.transcode-failed', [
      failure(videoId, 1, { code: 'UNSUPPORTED_INPUT', message: 'not a video container', retryable: false }),
    ]);

    expect(await videos.findById(videoId)).toMatchObject({
      status: 'failed',
      attempt: 1,
      errorCode: 'UNSUPPORTED_INPUT',
      errorMessage: 'not a video container',
    });
    expect((await jobs.findById(jobId))?.status).toBe('failed');
    expect(await outboxRows(videoId)).toEqual([]);
    expect(await counter('reelforge_videos_failed_total', { code: 'UNSUPPORTED_INPUT' })).toBe(1);
  });

  it('stores progress of the current attempt and never moves it backwards', async () => {
    const { videoId } = await runningVideo();
    const progress = (attempt: number, percent: number) => ({
      version: 1 as const,
      videoId,
      attempt,
      jobToken: jobToken(videoId, attempt),
      percent,
    });
    await deliver('video.transcode-progress', [progress(1, 10), progress(1, 55.5), progress(1, 30)]);
    expect((await videos.findById(videoId))?.progressPct).toBe(55);

    // A report of an attempt the video has not reached, and one after it ended, change nothing either.
    await deliver('video.transcode-progress', [progress(2, 90)]);
    expect((await videos.findById(videoId))?.progressPct).toBe(55);
    await deliver('video.transcoded', [transcoded(videoId, 1)]);
    await deliver('video.transcode-progress', [progress(1, 60)]);
    expect(await videos.findById(videoId)).toMatchObject({ status: 'ready', progressPct: 100 });
  });

  it('parks a transcoded report the database refuses: its attempt ends failed, outputs gone, the partition goes on', async () => {
    const poisoned = await runningVideo();
    const written = await writeOutputs(poisoned.videoId, 1);
    // A transcoder bug: two renditions of one name break the renditions' primary key, on every delivery.
    const bad = transcoded(poisoned.videoId, 1);
    bad.renditions = bad.renditions.map((r) => ({ ...r, name: '360p' }));
    let next = await runningVideo();
    while (partitionOf(next.videoId) !== partitionOf(poisoned.videoId)) next = await runningVideo();
    const failedBefore = await counter('reelforge_videos_failed_total', { code: 'PROCESSING_FAILED' });

    await deliver('video.transcoded', [bad, transcoded(next.videoId, 1)]);

    expect((await videos.findById(next.videoId))?.status).toBe('ready');
    expect(await videos.findById(poisoned.videoId)).toMatchObject({
      status: 'failed',
      errorCode: 'PROCESSING_FAILED',
      errorMessage: processingFailed().message,
      hlsMasterKey: null,
    });
    expect(await jobs.findById(poisoned.jobId)).toMatchObject({ status: 'failed', errorCode: 'PROCESSING_FAILED' });
    expect(await renditions.listForVideo(poisoned.videoId)).toEqual([]);
    expect(written.length).toBeGreaterThan(0);
    expect(await listKeys(s3, processed, `videos/${poisoned.videoId}/`)).toEqual([]);
    expect(await counter('reelforge_videos_failed_total', { code: 'PROCESSING_FAILED' })).toBe(failedBefore + 1);
    expect(
      await counter('reelforge_kafka_messages_consumed_total', { topic: 'video.transcoded', outcome: 'parked' }),
    ).toBe(1);

    const [parked] = await readTopic(`${prefix}video.transcoded.dlq`, 1);
    expect(parked?.key?.toString()).toBe(poisoned.videoId);
    expect(parked?.headers?.['x-dlq-error-code']?.toString()).toBe('ER_DUP_ENTRY');
    expect(parked?.headers?.['x-dlq-attempts']?.toString()).toBe('3');
  });

  it('drops reports without their job’s token: another user’s video stays as it was until its own result', async () => {
    const attacker = await runningVideo();
    const victim = await runningVideo();
    const outputs = await writeOutputs(victim.videoId, 1);
    await deliver('video.transcode-progress', [
      { version: 1, videoId: victim.videoId, attempt: 1, jobToken: jobToken(victim.videoId, 1), percent: 40 },
    ]);
    const before = await videos.findById(victim.videoId);
    const jobBefore = await jobs.findById(victim.jobId);
    const forged = (topic: CompletionTopic) => counter('reelforge_forged_reports_total', { topic });
    const forgedBefore = Object.fromEntries(await Promise.all(completionTopics.map(async (t) => [t, await forged(t)])));
    const parkedBefore = await counter('reelforge_kafka_messages_consumed_total', { outcome: 'parked' });

    // A compromised task knows its own token, not the victim's; the attacker's files are in its own prefix.
    const own = transcoded(attacker.videoId, 1);
    const stolen: VideoTranscodedV1 = { ...own, videoId: victim.videoId, jobToken: jobToken(attacker.videoId, 1) };
    const { jobToken: _, ...tokenless } = transcoded(victim.videoId, 1);
    // One the database would refuse on every delivery: if it reached the service it would be parked and fail the video.
    const poison = { ...stolen, renditions: stolen.renditions.map((r) => ({ ...r, name: '360p' })) };
    await deliver('video.transcoded', [stolen, tokenless, poison]);
    await deliver('video.transcode-failed', [
      failure(victim.videoId, 1, {
        jobToken: jobToken(attacker.videoId, 1),
        code: 'UNSUPPORTED_INPUT',
        retryable: false,
      }),
      { ...failure(victim.videoId, 1), jobToken: undefined },
    ]);
    await deliver('video.transcode-progress', [{ version: 1, videoId: victim.videoId, attempt: 1, percent: 99 }]);

    expect(await videos.findById(victim.videoId)).toEqual(before);
    expect(before).toMatchObject({ status: 'processing', progressPct: 40, hlsMasterKey: null });
    expect(await jobs.findById(victim.jobId)).toEqual(jobBefore);
    expect(await renditions.listForVideo(victim.videoId)).toEqual([]);
    expect((await listKeys(s3, processed, `videos/${victim.videoId}/`)).sort()).toEqual(outputs.sort());
    expect(await outboxRows(victim.videoId)).toEqual([]);
    expect(await forged('video.transcoded')).toBe(forgedBefore['video.transcoded'] + 3);
    expect(await forged('video.transcode-failed')).toBe(forgedBefore['video.transcode-failed'] + 2);
    expect(await forged('video.transcode-progress')).toBe(forgedBefore['video.transcode-progress'] + 1);
    expect(await counter('reelforge_kafka_messages_consumed_total', { outcome: 'parked' })).toBe(parkedBefore);

    await deliver('video.transcoded', [transcoded(victim.videoId, 1)]);
    expect(await videos.findById(victim.videoId)).toMatchObject({
      status: 'ready',
      hlsMasterKey: `videos/${victim.videoId}/1/master.m3u8`,
    });
    expect((await renditions.listForVideo(victim.videoId)).map((r) => r.name)).toEqual(['360p', '720p']);
    expect((await videos.findById(attacker.videoId))?.status).toBe('processing');
  });

  it('parks an undecodable message in the DLQ and moves on to the next one', async () => {
    const { videoId } = await runningVideo();
    const before = await finished('video.transcode-progress');
    await producer.sendRaw('video.transcode-progress', [{ key: videoId, value: '{"version":1,"percent":"lots"}' }]);
    await producer.send('video.transcode-progress', [
      { version: 1, videoId, attempt: 1, jobToken: jobToken(videoId, 1), percent: 42 },
    ]);
    await waitFor(async () => expect(await finished('video.transcode-progress')).toBeGreaterThanOrEqual(before + 2));

    expect((await videos.findById(videoId))?.progressPct).toBe(42);
    const [parked] = await readTopic(`${prefix}video.transcode-progress.dlq`, 1);
    expect([parked?.key?.toString(), parked?.value?.toString()]).toEqual([videoId, '{"version":1,"percent":"lots"}']);
  });
});

async function readTopic(topic: string, count: number): Promise<KafkaMessage[]> {
  const reader = kafka.consumer({ groupId: uniqueName('reader'), ...quick });
  const seen: KafkaMessage[] = [];
  await reader.connect();
  try {
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        seen.push(message);
      },
    });
    await waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(count));
    return seen;
  } finally {
    await reader.disconnect();
  }
}
