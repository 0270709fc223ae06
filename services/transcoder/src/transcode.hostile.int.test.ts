// Uploads built to cost compute or to yield unplayable outputs, made here with real FFmpeg and byte edits: each must
// end in seconds, refused with its own non-retryable code before an encode, or capped to what its header claims.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@reelforge/contracts';
import { defaultInputLimits, defaultProfile, type MediaLogger } from '@reelforge/media';
import { beforeAll, describe, expect, it } from 'vitest';
import { ffprobe, lavfi, makeClip, sizesOf } from './testing/media.fixtures.js';
import { transcodeFile } from './transcode.service.js';

const logger: MediaLogger = { debug() {}, info() {}, warn() {}, error() {} };
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-hostile-'));
});

async function transcode(input: string) {
  const outDir = join(dir, `out-${++n}`);
  const started = Date.now();
  const result = await transcodeFile(input, outDir, {
    videoId: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
    attempt: 1,
    profile: defaultProfile,
    limits: defaultInputLimits,
    threads: 0,
    // The operator's timeout, far beyond what these files may take: what stops them is their own budget.
    timeoutMs: 600_000,
    logger,
  }).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  return { result, outDir, ms: Date.now() - started };
}

/** A refusal: its code, not retryable, and nothing left where the outputs would have gone. */
async function expectRefused(run: Awaited<ReturnType<typeof transcode>>, code: string) {
  expect(run.result).toBeInstanceOf(AppError);
  expect((run.result as AppError).toJSON()).toMatchObject({ code, retryable: false });
  expect((run.result as AppError).message).not.toContain(dir);
  expect(await readdir(dir)).not.toContain(run.outDir.slice(dir.length + 1));
}

/** Rewrites the Segment Info Duration (EBML 0x4489, an 8-byte float in milliseconds) of a Matroska file. */
function patchMatroskaDuration(file: Buffer, ms: number): Buffer {
  const at = file.indexOf(Buffer.from([0x44, 0x89, 0x88]));
  expect(at).toBeGreaterThan(0);
  const out = Buffer.from(file);
  out.writeDoubleBE(ms, at + 3);
  return out;
}

describe('transcodeFile: hostile uploads cost little', () => {
  it('a Matroska header saying 2 s with one frame at 10 h: capped at the duration plus a segment, in seconds', async () => {
    const honest = await makeClip(join(dir, 'gap.mkv'), [
      ...lavfi({ size: '320x240', rate: 10, duration: 2 }),
      // The 20th frame moves to 10 h; passthrough keeps the gap instead of filling it at encode time.
      ...['-vf', "setpts='if(eq(N,19),36000/TB,PTS)'", '-fps_mode', 'passthrough'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast'],
    ]);
    expect(Number((await ffprobe(honest)).format.duration)).toBeGreaterThan(36_000);
    const lying = join(dir, 'lying.mkv');
    await writeFile(lying, patchMatroskaDuration(await readFile(honest), 2000));
    expect(Number((await ffprobe(lying)).format.duration)).toBe(2);

    const run = await transcode(lying);
    if (run.result instanceof Error) throw run.result;
    // Before the cap this ran until the job's deadline (the fps filter made 360,000 frames of the gap).
    expect(run.ms).toBeLessThan(60_000);
    for (const r of run.result.manifest.renditions) {
      const duration = Number((await ffprobe(join(run.outDir, r.mp4Key))).format.duration);
      expect(duration).toBeLessThanOrEqual(2 + defaultProfile.segmentSec + 0.1);
    }
  });

  it('a valid MP4 header followed by garbage: DECODE_ERROR, not retried, in seconds', async () => {
    const clip = await readFile(
      await makeClip(join(dir, 'whole.mp4'), [
        ...lavfi({ size: '320x240', rate: 30, duration: 2, audio: true }),
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', '-movflags', '+faststart'],
      ]),
    );
    // moov (every sample's size and place) comes first and stays; the samples themselves become noise.
    const media = clip.indexOf('mdat') + 4;
    const garbage = join(dir, 'garbage.mp4');
    await writeFile(garbage, Buffer.concat([clip.subarray(0, media), randomBytes(clip.length - media)]));
    const run = await transcode(garbage);
    await expectRefused(run, 'DECODE_ERROR');
    expect(run.ms).toBeLessThan(30_000);
  });

  it('a file with hundreds of streams: TOO_MANY_STREAMS, before any decoding', async () => {
    // FFmpeg's own muxers stop at 1000 streams; 990 audio streams and one video make the point.
    const many = await makeClip(join(dir, 'many.mkv'), [
      ...lavfi({ size: '160x120', rate: 10, duration: 0.2 }),
      ...['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '0.2', '-map', '0:v'],
      ...Array.from({ length: 990 }, () => ['-map', '1:a']).flat(),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'pcm_s16le'],
    ]);
    const run = await transcode(many);
    await expectRefused(run, 'TOO_MANY_STREAMS');
    expect(run.ms).toBeLessThan(10_000);
  });

  it('a file with nine streams: TOO_MANY_STREAMS, by the probed count', async () => {
    const nine = await makeClip(join(dir, 'nine.mkv'), [
      ...lavfi({ size: '160x120', rate: 10, duration: 0.2 }),
      ...['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '0.2', '-map', '0:v'],
      ...Array.from({ length: 8 }, () => ['-map', '1:a']).flat(),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'pcm_s16le'],
    ]);
    const run = await transcode(nine);
    await expectRefused(run, 'TOO_MANY_STREAMS');
    expect((run.result as AppError).message).toBe('the file has 9 video and audio streams; the limit is 8');
  });
});

describe('transcodeFile: outputs every device can play', () => {
  it('16000x64: UNSUPPORTED_DIMENSIONS before any encode, nothing written', async () => {
    const strip = await makeClip(join(dir, 'strip.mp4'), [
      ...lavfi({ size: '16000x64', rate: 10, duration: 0.3 }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast'],
    ]);
    const run = await transcode(strip);
    await expectRefused(run, 'UNSUPPORTED_DIMENSIONS');
  });

  it('a 4800x200 panorama is scaled to 4080x170, within level 5.1', async () => {
    const panorama = await makeClip(join(dir, 'panorama.mp4'), [
      ...lavfi({ size: '4800x200', rate: 10, duration: 1 }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast'],
    ]);
    const run = await transcode(panorama);
    if (run.result instanceof Error) throw run.result;
    expect(sizesOf(run.result.manifest)).toEqual(['4080x170']);
    const [rendition] = run.result.manifest.renditions;
    const video = (await ffprobe(join(run.outDir, rendition?.mp4Key ?? ''))).streams.find(
      (s) => s.codec_type === 'video',
    );
    expect([video?.width, video?.height]).toEqual([4080, 170]);
    expect(video?.level).toBeLessThanOrEqual(51);
  });
});
