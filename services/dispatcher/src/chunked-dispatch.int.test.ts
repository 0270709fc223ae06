// Two dispatchers, as main.ts wires them, in one consumer group on the real broker and database: a chunk plan on
// video.transcode-started launches each chunk once, and every part's report delivered twice launches one stitch.
import { parseEnv } from '@reelforge/config';
import type { VideoChunkTranscodedV1, VideoTranscodeStartedV1 } from '@reelforge/contracts';
import { createEventProducer, createKafka } from '@reelforge/kafka';
import { createTestTopics, stackEnv, uniqueName } from '@reelforge/testkit';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type RunningDispatcher, startDispatcher } from './dispatcher.app.js';
import { dispatcherEnv } from './env.js';
import {
  dispatchService,
  openTestDb,
  quietLogger,
  RecordingLauncher,
  type TestDb,
  uploadedVideo,
} from './testing/dispatch.fixtures.js';

const topics = [
  'video.uploaded',
  'video.transcode-started',
  'video.chunk-transcoded',
  'video.chunk-failed',
  'video.transcode-failed',
  'video.transcode-progress',
];

let t: TestDb;
let prefix: string;
let brokers: string;
const dispatchers: { running: RunningDispatcher; launcher: RecordingLauncher }[] = [];

beforeAll(async () => {
  const env = await stackEnv();
  brokers = env.KAFKA_BROKERS;
  t = await openTestDb();
  ({ prefix } = await createTestTopics(topics, 2));
  const group = uniqueName('dispatcher');
  for (let i = 0; i < 2; i++) {
    const launcher = new RecordingLauncher();
    const running = await startDispatcher({
      env: parseEnv(dispatcherEnv, {
        ...process.env,
        MYSQL_URL: t.url,
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_PARTITIONS: '2',
        CONSUMER_GROUP: group,
        CONSUMER_SESSION_TIMEOUT_MS: '10000',
        CONSUMER_HEARTBEAT_MS: '500',
        PROCESSED_BUCKET: 'processed',
        OPS_PORT: '0',
        TASK_LAUNCHER: 'local',
        // Nothing for the reaper or the relay to do here; their own tests cover them.
        REAPER_INTERVAL_SEC: '3600',
        OUTBOX_RELAY_ENABLED: 'false',
        LOG_LEVEL: 'silent',
      }),
      logger: quietLogger(),
      launcher: { launcher, maxConcurrency: 100 },
    });
    dispatchers.push({ running, launcher });
  }
}, 60_000);

afterAll(async () => {
  for (const { running } of dispatchers) for (const step of running.shutdownSteps) await step();
  await t?.close();
});

/** Part-report messages both dispatchers have finished with, from their /metrics. */
async function consumed(topic: string): Promise<number> {
  let sum = 0;
  for (const { running } of dispatchers) {
    const text = await (await fetch(`http://127.0.0.1:${running.opsPort}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('reelforge_kafka_messages_consumed_total{')) continue;
      if (!line.includes(`topic="${topic}"`) || line.includes('outcome="failed"')) continue;
      sum += Number(line.split(' ').at(-1));
    }
  }
  return sum;
}

const allLaunched = () => dispatchers.flatMap(({ launcher }) => launcher.launched);

it('launches each chunk once from the plan, and one stitch when every part is reported twice', async () => {
  const first = new RecordingLauncher();
  const message = await uploadedVideo(t);
  const outcome = await dispatchService(t, { launcher: first }).handleUploaded(message);
  if (outcome.result !== 'launched') throw new Error(`not launched: ${outcome.result}`);
  const job = await t.jobs.findById(outcome.jobId);
  if (!job) throw new Error('no job');
  const ids = { version: 1 as const, videoId: job.videoId, attempt: 1, jobToken: job.jobToken };
  const chunks = [0, 1, 2, 3].map((index) => ({ index, startSec: index * 8, endSec: (index + 1) * 8 }));
  const plan: VideoTranscodeStartedV1 = {
    ...ids,
    durationSec: 32,
    frameCount: 768,
    width: 640,
    height: 360,
    startedAt: new Date().toISOString(),
    chunks,
  };
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'chunked-dispatch-test', logger: quietLogger() });
  const producer = createEventProducer(kafka, { topicPrefix: prefix });
  await producer.connect();
  try {
    await producer.send('video.transcode-started', [plan, plan]);
    await vi.waitFor(() => expect(allLaunched()).toHaveLength(4), { timeout: 30_000, interval: 100 });
    expect(
      allLaunched()
        .map((r) => r.spec.part?.kind === 'chunk' && r.spec.part.index)
        .sort(),
    ).toEqual([0, 1, 2, 3]);

    const reports: VideoChunkTranscodedV1[] = [
      { ...ids, part: { kind: 'aux' }, partAttempt: 1, taskSeconds: 20 },
      ...chunks.map((c) => ({
        ...ids,
        part: { kind: 'chunk' as const, index: c.index },
        partAttempt: 1,
        taskSeconds: 9,
      })),
    ];
    await producer.send('video.chunk-transcoded', [...reports, ...reports]);
    // Both deliveries of every report handled (by whichever replica owns the partition): nothing more can launch.
    await vi.waitFor(async () => expect(await consumed('video.chunk-transcoded')).toBe(10), {
      timeout: 30_000,
      interval: 100,
    });
    const stitches = allLaunched().filter((r) => r.spec.part?.kind === 'stitch');
    expect(stitches.map((r) => [r.spec.videoId, r.spec.part, r.token])).toEqual([
      [job.videoId, { kind: 'stitch', count: 4 }, `rf-${job.videoId}-a1-s-p1`],
    ]);
    expect(allLaunched()).toHaveLength(5);
    expect((await t.parts.findByJob(job.id)).map((p) => [p.kind, p.chunkIndex, p.status])).toEqual([
      ['aux', 0, 'succeeded'],
      ['chunk', 0, 'succeeded'],
      ['chunk', 1, 'succeeded'],
      ['chunk', 2, 'succeeded'],
      ['chunk', 3, 'succeeded'],
      ['stitch', 0, 'running'],
    ]);
  } finally {
    await producer.disconnect();
  }
});
