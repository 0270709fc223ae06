// Backpressure on the real broker: at the launch cap the consumer stops taking messages, and takes the next one
// when a task ends. And a message whose handling keeps failing is parked, its video failed, the partition going on.
import { processingFailed, type VideoUploadedV1 } from '@reelforge/contracts';
import { createEventProducer, createKafka, type RunningConsumer } from '@reelforge/kafka';
import { createTestTopics, stackEnv } from '@reelforge/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startDispatchConsumer } from './dispatch.consumer.js';
import { LaunchSlots } from './launch.slots.js';
import {
  dispatchService,
  openTestDb,
  quietLogger,
  RecordingLauncher,
  type TestDb,
  uploadedVideo,
} from './testing/dispatch.fixtures.js';

let t: TestDb;
let consumer: RunningConsumer | undefined;
let prefix: string;
let kafka: ReturnType<typeof createKafka>;

beforeAll(async () => {
  const env = await stackEnv();
  t = await openTestDb();
  ({ prefix } = await createTestTopics(['video.uploaded', 'video.uploaded.dlq'], 1));
  kafka = createKafka({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: 'dispatch-consumer-test',
    logger: quietLogger(),
  });
});

afterAll(async () => {
  await consumer?.stop();
  await t?.close();
});

const eventually = (what: string, check: () => Promise<boolean>) =>
  vi.waitFor(
    async () => {
      if (!(await check())) throw new Error(`still waiting for ${what}`);
    },
    { timeout: 20_000, interval: 50 },
  );

const launches = (launcher: RecordingLauncher, n: number) =>
  vi.waitFor(() => expect(launcher.launched).toHaveLength(n), { timeout: 20_000, interval: 50 });

const jobStatuses = async () =>
  (await t.db.selectFrom('transcodeJobs').select(['videoId', 'status']).execute()).map((j) => [j.videoId, j.status]);

it('pauses at the concurrency cap instead of pulling messages it cannot launch, and resumes when a task ends', async () => {
  const launcher = new RecordingLauncher();
  launcher.trackEnds = true;
  const slots = new LaunchSlots(1);
  const service = dispatchService(t, { launcher, slots });
  consumer = await startDispatchConsumer({
    kafka,
    groupId: `${prefix}dispatcher`,
    topicPrefix: prefix,
    concurrency: 1,
    service,
    slots,
    logger: quietLogger(),
  });
  await consumer.ready();

  const messages = [await uploadedVideo(t), await uploadedVideo(t), await uploadedVideo(t)];
  const producer = createEventProducer(kafka, { topicPrefix: prefix });
  await producer.connect();
  await producer.send('video.uploaded', messages);
  await producer.disconnect();

  await launches(launcher, 1);
  // Long enough for several fetches: the next messages are not even turned into jobs while the slot is taken.
  await new Promise((r) => setTimeout(r, 2000));
  expect(await jobStatuses()).toEqual([[messages[0]?.videoId, 'running']]);

  launcher.end(taskIdOf(launcher, 1));
  await launches(launcher, 2);
  await new Promise((r) => setTimeout(r, 1000));
  expect(launcher.launched.map((l) => l.spec.videoId)).toEqual([messages[0]?.videoId, messages[1]?.videoId]);

  launcher.end(taskIdOf(launcher, 2));
  await launches(launcher, 3);
  expect(launcher.launched.map((l) => l.spec.videoId)).toEqual(messages.map((m) => m.videoId));
});

function taskIdOf(launcher: RecordingLauncher, n: number): string {
  const id = [...launcher.statuses.keys()][n - 1];
  if (id === undefined) throw new Error(`no task ${n}`);
  return id;
}

it('handles several videos of a partition at once and still launches no more than the free slots', async () => {
  const { prefix: own } = await createTestTopics(['video.uploaded', 'video.uploaded.dlq'], 1);
  const launcher = new RecordingLauncher();
  launcher.trackEnds = true;
  const slots = new LaunchSlots(2);
  // Another launch (a recovery, say) holds one slot: one is left for the messages handled at once.
  const held = slots.tryAcquire();
  const service = dispatchService(t, { launcher, slots });
  const concurrent = await startDispatchConsumer({
    kafka,
    groupId: `${own}dispatcher`,
    topicPrefix: own,
    concurrency: 1,
    messageConcurrency: 8,
    service,
    slots,
    logger: quietLogger(),
  });
  try {
    await concurrent.ready();
    const messages = await Promise.all(Array.from({ length: 5 }, () => uploadedVideo(t)));
    const producer = createEventProducer(kafka, { topicPrefix: own });
    await producer.connect();
    await producer.send('video.uploaded', messages);
    await producer.disconnect();

    await launches(launcher, 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(launcher.launched).toHaveLength(1);
    expect(slots.inUse).toBe(2);

    held?.release();
    await launches(launcher, 2);
    for (let n = 1; n <= 3; n++) {
      launcher.end(taskIdOf(launcher, n));
      await launches(launcher, n + 2);
      expect(slots.inUse).toBe(2);
    }
    expect(launcher.launched.map((l) => l.spec.videoId).sort()).toEqual(messages.map((m) => m.videoId).sort());
  } finally {
    await concurrent.stop();
  }
});

it('parks a video.uploaded whose handling keeps failing: its video and job end failed, the next videos launch', async () => {
  const { prefix: own } = await createTestTopics(['video.uploaded', 'video.uploaded.dlq'], 1);
  const launcher = new RecordingLauncher();
  const slots = new LaunchSlots(8);
  const registry = new Registry();
  const real = dispatchService(t, { launcher, slots });
  const messages = [await uploadedVideo(t), await uploadedVideo(t), await uploadedVideo(t)];
  const poison = messages[1]?.videoId;
  let poisonCalls = 0;
  // The seam: the real service, with a bug that strikes after one video's job is created and its task launched.
  const service = {
    handleUploaded: async (message: VideoUploadedV1, signal?: AbortSignal) => {
      const outcome = await real.handleUploaded(message, signal);
      if (message.videoId === poison) {
        poisonCalls++;
        throw new TypeError("Cannot read properties of undefined (reading 'taskArn')");
      }
      return outcome;
    },
    failParked: real.failParked.bind(real),
  };
  const parkingConsumer = await startDispatchConsumer({
    kafka,
    groupId: `${own}dispatcher`,
    topicPrefix: own,
    concurrency: 1,
    poisonAttempts: 3,
    service,
    slots,
    logger: quietLogger(),
    registry,
  });
  try {
    await parkingConsumer.ready();
    const producer = createEventProducer(kafka, { topicPrefix: own });
    await producer.connect();
    await producer.send('video.uploaded', messages);
    await producer.disconnect();

    await eventually(
      'the poisoned video failed',
      async () => (await t.videos.findById(poison ?? ''))?.status === 'failed',
    );
    const error = processingFailed();
    expect(await t.videos.findById(poison ?? '')).toMatchObject({
      errorCode: 'PROCESSING_FAILED',
      errorMessage: error.message,
    });
    expect(error.message).not.toMatch(/taskArn|TypeError|undefined/);
    expect(await t.jobs.findByVideoAttempt(poison ?? '', 1)).toMatchObject({
      status: 'failed',
      errorCode: 'PROCESSING_FAILED',
    });
    expect(poisonCalls).toBe(3);

    await eventually('the video after it launched', async () => launcher.launched.length === 3);
    // Retries of the poisoned message found its job claimed: one task, not one per attempt.
    expect(launcher.launched.map((l) => l.spec.videoId)).toEqual(messages.map((m) => m.videoId));
    for (const m of [messages[0], messages[2]]) {
      await eventually(
        'the others processing',
        async () => (await t.videos.findById(m?.videoId ?? ''))?.status === 'processing',
      );
    }
    await eventually('the parked metric', async () =>
      (await registry.metrics()).includes(
        'reelforge_kafka_messages_consumed_total{topic="video.uploaded",outcome="parked"} 1',
      ),
    );
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [dlq] = await admin.fetchTopicOffsets(`${own}video.uploaded.dlq`);
      expect(dlq?.high).toBe('1');
      await eventually('all three committed', async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: `${own}dispatcher`, topics: [`${own}video.uploaded`] });
        return offsets?.partitions[0]?.offset === '3';
      });
    } finally {
      await admin.disconnect();
    }
  } finally {
    await parkingConsumer.stop();
  }
});
