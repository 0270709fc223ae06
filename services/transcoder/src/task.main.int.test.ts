import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type TranscodeJobSpecV1,
  VideoChunkFailedV1,
  VideoChunkTranscodedV1,
  VideoTranscodedV1,
  VideoTranscodeFailedV1,
  VideoTranscodeProgressV1,
  VideoTranscodeStartedV1,
} from '@reelforge/contracts';
import { downloadToFile, listKeys, outputPrefix, putStream, sourceKey } from '@reelforge/storage';
import { createTestBuckets, createTestTopics, stackEnv, uniqueName } from '@reelforge/testkit';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ffprobe, lavfi, makeClip } from './testing/media.fixtures.js';

// The built task entry, started as the local launcher and ECS start it: a process with its job in JOB_SPEC.
const taskMain = fileURLToPath(new URL('../dist/task.main.js', import.meta.url));
const topicNames = [
  'video.transcode-started',
  'video.transcoded',
  'video.transcode-failed',
  'video.transcode-progress',
  'video.chunk-transcoded',
  'video.chunk-failed',
] as const;

let dir: string;
let prefix: string;
let buckets: Awaited<ReturnType<typeof createTestBuckets<'raw' | 'processed'>>>;
let consumer: Consumer;
const received: { topic: string; value: Record<string, unknown> }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-task-'));
  buckets = await createTestBuckets('raw', 'processed');
  ({ prefix } = await createTestTopics([...topicNames], 1));
  const env = await stackEnv();
  consumer = new Kafka({ brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).consumer({
    groupId: uniqueName('transcoder-test'),
  });
  await consumer.connect();
  await consumer.subscribe({ topics: topicNames.map((t) => prefix + t), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      received.push({ topic: topic.slice(prefix.length), value: JSON.parse(message.value?.toString() ?? '{}') });
    },
  });
});

afterAll(async () => {
  await consumer?.disconnect();
});

async function upload(videoId: string, file: string): Promise<TranscodeJobSpecV1> {
  const key = sourceKey(videoId);
  await putStream(buckets.s3, { bucket: buckets.raw, key }, createReadStream(file));
  return {
    version: 1,
    videoId,
    attempt: 1,
    source: { bucket: buckets.raw, key },
    output: { bucket: buckets.processed, prefix: outputPrefix(videoId, 1) },
    profile: 'default',
    jobToken,
  };
}

async function startTask(spec: TranscodeJobSpecV1, scratch: string): Promise<ChildProcess> {
  const env = await stackEnv();
  return spawn(process.execPath, [taskMain], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      JOB_SPEC: JSON.stringify(spec),
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      AWS_REGION: env.AWS_REGION,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
      S3_ENDPOINT: env.S3_ENDPOINT,
      S3_FORCE_PATH_STYLE: 'true',
      SCRATCH_DIR: scratch,
      LOG_LEVEL: 'warn',
    },
  });
}

// The job's token: every report must carry it, or completion and the dispatcher drop it.
const jobToken = 'e'.repeat(64);

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

async function eventsOf(videoId: string, until: (topics: string[]) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = received.filter((m) => m.value.videoId === videoId);
    if (until(mine.map((m) => m.topic))) return mine;
    if (Date.now() > deadline) throw new Error(`events of ${videoId}: ${mine.map((m) => m.topic).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const terminal = (topics: string[]) => topics.includes('video.transcoded') || topics.includes('video.transcode-failed');

describe('transcoder task mode against the local stack', () => {
  it('takes the source from the raw bucket, writes the ladder to the processed bucket and announces it', async () => {
    const videoId = randomUUID();
    const clip = await makeClip(join(dir, 'ok.mp4'), [
      ...lavfi({ size: '854x480', rate: 30, duration: 3, audio: true }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
    ]);
    const scratch = await mkdtemp(join(dir, 'scratch-'));
    const task = await startTask(await upload(videoId, clip), scratch);
    expect(await exitOf(task)).toBe(0);

    const events = await eventsOf(videoId, terminal);
    expect(events.map((e) => e.topic).at(-1)).toBe('video.transcoded');
    // First, before any progress: what the dispatcher sizes the job's deadline from.
    expect(events[0]?.topic).toBe('video.transcode-started');
    expect(VideoTranscodeStartedV1.parse(events[0]?.value)).toMatchObject({
      videoId,
      attempt: 1,
      durationSec: expect.closeTo(3, 1),
      frameCount: 90,
      width: 854,
      height: 480,
    });
    const progress = events
      .filter((e) => e.topic === 'video.transcode-progress')
      .map((e) => VideoTranscodeProgressV1.parse(e.value).percent);
    expect(progress.length).toBeGreaterThan(0);
    expect(events.every((e) => e.value.jobToken === jobToken)).toBe(true);
    expect(progress.every((p) => p % 5 === 0)).toBe(true);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    const done = VideoTranscodedV1.parse(events.at(-1)?.value);
    const attemptPrefix = outputPrefix(videoId, 1);
    const stored = await listKeys(buckets.s3, buckets.processed, attemptPrefix);
    const manifestKeys = [
      done.hlsMasterKey,
      done.posterKey,
      done.thumbnails.spriteKey,
      done.thumbnails.vttKey,
      ...done.renditions.flatMap((r) => [r.mp4Key, r.playlistKey]),
    ];
    for (const key of manifestKeys) {
      expect(key.startsWith(attemptPrefix)).toBe(true);
      expect(stored).toContain(key);
    }
    expect(stored).toContain(`${attemptPrefix}480p/seg_00000.m4s`);
    expect(done).toMatchObject({
      videoId,
      attempt: 1,
      source: { width: 854, height: 480, hasAudio: true },
      renditions: [
        { name: '480p', width: 854, height: 480, mp4Key: `${attemptPrefix}480p.mp4` },
        { name: '360p', width: 640, height: 360, mp4Key: `${attemptPrefix}360p.mp4` },
      ],
    });
    expect(await readdir(scratch)).toEqual([]);
  });

  it('refuses a text file: video.transcode-failed, not retryable, nothing written, exit non-zero', async () => {
    const videoId = randomUUID();
    const text = join(dir, 'text.mp4');
    await writeFile(text, 'this is not a video\n'.repeat(50));
    const scratch = await mkdtemp(join(dir, 'scratch-'));
    const task = await startTask(await upload(videoId, text), scratch);
    expect(await exitOf(task)).not.toBe(0);

    const events = await eventsOf(videoId, terminal);
    // Refused by the probe: never started.
    expect(events.map((e) => e.topic)).toEqual(['video.transcode-failed']);
    expect(VideoTranscodeFailedV1.parse(events[0]?.value)).toEqual({
      version: 1,
      videoId,
      attempt: 1,
      jobToken,
      code: 'UNSUPPORTED_INPUT',
      message: expect.any(String),
      retryable: false,
      taskSeconds: expect.any(Number),
    });
    expect(await listKeys(buckets.s3, buckets.processed, outputPrefix(videoId, 1))).toEqual([]);
    expect(await readdir(scratch)).toEqual([]);
  });

  it('on SIGTERM kills ffmpeg, reports a retryable INTERRUPTED failure and exits', async () => {
    const videoId = randomUUID();
    const clip = await makeClip(join(dir, 'long.mp4'), [
      ...lavfi({ size: '640x360', rate: 30, duration: 30, audio: true }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
    ]);
    const scratch = await mkdtemp(join(dir, 'scratch-'));
    const task = await startTask(await upload(videoId, clip), scratch);
    const exited = exitOf(task);
    // Stop it mid-encode, as ECS does: once an ffmpeg is at work on this job's scratch files.
    await vi.waitFor(async () => expect((await ffmpegsOn(scratch)).length).toBeGreaterThan(0), {
      timeout: 60_000,
      interval: 50,
    });
    task.kill('SIGTERM');
    expect(await exited).not.toBe(0);

    const events = await eventsOf(videoId, terminal);
    expect(VideoTranscodeFailedV1.parse(events.at(-1)?.value)).toMatchObject({
      code: 'INTERRUPTED',
      retryable: true,
    });
    expect(events.map((e) => e.topic)).not.toContain('video.transcoded');
    expect(await ffmpegsOn(scratch)).toEqual([]);
    expect(await readdir(scratch)).toEqual([]);
  });
});

describe('transcoder task mode: the parts of a chunked job', () => {
  it('plans and does the aux part, encodes each chunk, then stitches the usual ladder and manifest', async () => {
    const videoId = randomUUID();
    const clip = await makeClip(join(dir, 'chunked.mp4'), [
      ...lavfi({ size: '854x480', rate: 30, duration: 12, audio: true }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
    ]);
    const spec = await upload(videoId, clip);
    const attemptPrefix = outputPrefix(videoId, 1);
    const stored = () => listKeys(buckets.s3, buckets.processed, attemptPrefix);
    const scratch = await mkdtemp(join(dir, 'scratch-'));
    const run = async (part: TranscodeJobSpecV1['part'], chunking?: TranscodeJobSpecV1['chunking']) =>
      exitOf(await startTask({ ...spec, part, ...(chunking ? { chunking } : {}) }, scratch));

    // 12 s over a 5 s threshold, 4 s chunks: three chunks on segment boundaries, then the aux part.
    expect(await run({ kind: 'whole' }, { thresholdSec: 5, chunkSec: 4, maxChunks: 10 })).toBe(0);
    let events = await eventsOf(videoId, (t) => t.includes('video.chunk-transcoded'));
    expect(events.map((e) => e.topic)).toEqual(['video.transcode-started', 'video.chunk-transcoded']);
    expect(VideoTranscodeStartedV1.parse(events[0]?.value)).toMatchObject({
      frameCount: 360,
      chunks: [
        { index: 0, startSec: 0, endSec: 4 },
        { index: 1, startSec: 4, endSec: 8 },
        { index: 2, startSec: 8, endSec: 12 },
      ],
    });
    const aux = VideoChunkTranscodedV1.parse(events[1]?.value);
    expect(aux).toMatchObject({ videoId, attempt: 1, jobToken, part: { kind: 'aux' } });
    expect(aux.taskSeconds).toBeGreaterThan(0);
    expect((await stored()).sort()).toEqual(
      ['chunks/aux/audio.m4a', 'chunks/aux/poster.jpg', 'chunks/aux/storyboard.jpg', 'chunks/plan.json'].map(
        (k) => attemptPrefix + k,
      ),
    );

    const ranges = [
      [0, 4],
      [4, 8],
      [8, 12],
    ] as const;
    const exits = await Promise.all(
      ranges.map(([startSec, endSec], index) => run({ kind: 'chunk', index, count: 3, startSec, endSec })),
    );
    expect(exits).toEqual([0, 0, 0]);
    events = await eventsOf(videoId, (t) => t.filter((x) => x === 'video.chunk-transcoded').length === 4);
    const chunkReports = events.slice(2).map((e) => VideoChunkTranscodedV1.parse(e.value));
    expect(
      chunkReports.map((r) => r.part).sort((a, b) => ('index' in a && 'index' in b ? a.index - b.index : 0)),
    ).toEqual([
      { kind: 'chunk', index: 0 },
      { kind: 'chunk', index: 1 },
      { kind: 'chunk', index: 2 },
    ]);
    for (const r of chunkReports) expect(r.taskSeconds).toBeGreaterThan(0);
    for (const i of [0, 1, 2]) {
      expect(await stored()).toEqual(
        expect.arrayContaining([`${attemptPrefix}chunks/${i}/480p.mp4`, `${attemptPrefix}chunks/${i}/360p.mp4`]),
      );
    }

    expect(await run({ kind: 'stitch', count: 3 })).toBe(0);
    events = await eventsOf(videoId, terminal);
    const done = VideoTranscodedV1.parse(events.at(-1)?.value);
    expect(done).toMatchObject({
      videoId,
      attempt: 1,
      jobToken,
      durationSec: 12,
      hlsMasterKey: `${attemptPrefix}master.m3u8`,
      posterKey: `${attemptPrefix}poster.jpg`,
      source: { width: 854, height: 480, hasAudio: true },
      renditions: [
        { name: '480p', width: 854, height: 480, mp4Key: `${attemptPrefix}480p.mp4` },
        { name: '360p', width: 640, height: 360, mp4Key: `${attemptPrefix}360p.mp4` },
      ],
    });
    expect(done.taskSeconds).toBeGreaterThan(0);
    const keys = await stored();
    for (const r of done.renditions) {
      for (let seg = 0; seg < 6; seg++) expect(keys).toContain(`${attemptPrefix}${r.name}/seg_0000${seg}.m4s`);
      expect(keys).not.toContain(`${attemptPrefix}${r.name}/seg_00006.m4s`);
      const local = join(dir, `${videoId}-${r.name}.mp4`);
      await downloadToFile(buckets.s3, { bucket: buckets.processed, key: r.mp4Key }, local);
      const video = (await ffprobe(local)).streams.find((s) => s.codec_type === 'video');
      expect(video?.nb_frames).toBe('360');
    }
    expect(keys).toEqual(expect.arrayContaining([done.thumbnails.spriteKey, done.thumbnails.vttKey]));
    expect(await readdir(scratch)).toEqual([]);
  });

  it('reports a chunk that cannot read its plan as that chunk failing, retryable', async () => {
    const videoId = randomUUID();
    const clip = await makeClip(join(dir, 'noplan.mp4'), [
      ...lavfi({ size: '320x240', rate: 30, duration: 2 }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast'],
    ]);
    const spec = await upload(videoId, clip);
    const scratch = await mkdtemp(join(dir, 'scratch-'));
    const task = await startTask(
      { ...spec, part: { kind: 'chunk', index: 1, count: 2, startSec: 2, endSec: 4 } },
      scratch,
    );
    expect(await exitOf(task)).not.toBe(0);
    const events = await eventsOf(videoId, (t) => t.includes('video.chunk-failed'));
    expect(events.map((e) => e.topic)).toEqual(['video.chunk-failed']);
    expect(VideoChunkFailedV1.parse(events[0]?.value)).toMatchObject({
      part: { kind: 'chunk', index: 1 },
      code: 'TRANSCODE_FAILED',
      retryable: true,
      jobToken,
    });
    expect(await listKeys(buckets.s3, buckets.processed, outputPrefix(videoId, 1))).toEqual([]);
  });
});

/** Processes whose command line names `path`: the job's ffmpeg reads `file:<scratch>/…/source`. */
async function ffmpegsOn(path: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('ffmpeg') && cmdline.includes(path)) found.push(pid);
  }
  return found;
}
