// Backpressure on the real broker: at the launch cap the consumer stops taking messages, and takes the next one
// when a task ends.
import { createEventProducer, createKafka, type RunningConsumer } from '@reelforge/kafka';
import { createTestTopics, stackEnv } from '@reelforge/testkit';
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
