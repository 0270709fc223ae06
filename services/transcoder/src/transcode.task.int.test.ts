// runTranscodeTask with real FFmpeg and S3 and a recording event sender, for outcomes a real broker will not stage on
// demand: a `video.transcoded` send that throws.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageOf, TopicName } from '@reelforge/contracts';
import { defaultInputLimits } from '@reelforge/media';
import { listKeys, outputPrefix, putStream, sourceKey } from '@reelforge/storage';
import { createTestBuckets } from '@reelforge/testkit';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { lavfi, makeClip } from './testing/media.fixtures.js';
import { type EventSender, runTranscodeTask } from './transcode.task.js';

let dir: string;
let buckets: Awaited<ReturnType<typeof createTestBuckets<'raw' | 'processed'>>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-task-'));
  buckets = await createTestBuckets('raw', 'processed');
});

/** Records what is sent; a send to `failOn` throws, as a broker timeout does (the message may be stored or not). */
class FlakySender implements EventSender {
  readonly sent: { topic: TopicName; message: unknown }[] = [];
  constructor(private readonly failOn: TopicName) {}
  async send<T extends TopicName>(topic: T, messages: MessageOf<T>[]): Promise<void> {
    if (topic === this.failOn) throw new Error('KafkaJSRequestTimeoutError: Request Produce timed out');
    for (const message of messages) this.sent.push({ topic, message });
  }
}

describe('runTranscodeTask', () => {
  it('keeps its outputs and reports no failure when it cannot tell whether video.transcoded was stored', async () => {
    const videoId = randomUUID();
    const clip = await makeClip(join(dir, 'clip.mp4'), [
      ...lavfi({ size: '320x240', rate: 25, duration: 2 }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast'],
    ]);
    const key = sourceKey(videoId);
    await putStream(buckets.s3, { bucket: buckets.raw, key }, createReadStream(clip));
    const events = new FlakySender('video.transcoded');

    const outcome = await runTranscodeTask({
      spec: {
        version: 1,
        videoId,
        attempt: 1,
        source: { bucket: buckets.raw, key },
        output: { bucket: buckets.processed, prefix: outputPrefix(videoId, 1) },
        profile: 'default',
        jobToken: 'f'.repeat(64),
      },
      s3: buckets.s3,
      events,
      logger: pino({ level: 'silent' }),
      scratchDir: await mkdtemp(join(dir, 'scratch-')),
      limits: defaultInputLimits,
      maxOutputSide: 4096,
      threads: 1,
      timeoutMs: 60_000,
      signal: new AbortController().signal,
    });

    // Not ok, so task.main exits non-zero and the reaper judges the job; the outputs the result may name stay.
    expect(outcome).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(await listKeys(buckets.s3, buckets.processed, outputPrefix(videoId, 1))).toContain(
      `${outputPrefix(videoId, 1)}master.m3u8`,
    );
    expect(events.sent.map((e) => e.topic)).not.toContain('video.transcode-failed');
    expect(events.sent[0]).toMatchObject({
      topic: 'video.transcode-started',
      message: { videoId, attempt: 1, width: 320, height: 240, frameCount: 50 },
    });
    // The source's hash, taken on the way to disk: the dispatcher fills a direct upload's from it.
    expect((events.sent[0]?.message as { sourceSha256?: string } | undefined)?.sourceSha256).toBe(
      createHash('sha256')
        .update(await readFile(clip))
        .digest('hex'),
    );
  });
});
