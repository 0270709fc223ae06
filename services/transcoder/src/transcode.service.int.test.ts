import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultInputLimits, defaultProfile, type MediaLogger } from '@reelforge/media';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectValidLadder, lavfi, makeClip, meanLuma, sizesOf } from './testing/media.fixtures.js';
import { transcodeFile } from './transcode.service.js';

const logger: MediaLogger = { debug() {}, info() {}, warn() {}, error() {} };
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-ladder-'));
});

const transcode = (input: string, onProgress?: (p: number) => void) =>
  transcodeFile(input, join(dir, `out-${++n}`), {
    videoId: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
    attempt: 1,
    profile: defaultProfile,
    limits: defaultInputLimits,
    threads: 0,
    timeoutMs: 120_000,
    logger,
    ...(onProgress ? { onProgress } : {}),
  }).then((r) => ({ ...r, outDir: join(dir, `out-${n}`) }));

describe('transcodeFile: the ladder from generated clips', () => {
  it('landscape with audio: 480p and 360p, HLS + faststart MP4 from one encode, poster and storyboard', async () => {
    // Opens on 0.6 s of black, as many uploads do: the poster must not be black.
    const input = await makeClip(join(dir, 'landscape.mp4'), [
      ...['-f', 'lavfi', '-i', 'color=black:size=854x480:rate=30:duration=0.6'],
      ...lavfi({ size: '854x480', rate: 30, duration: 2.4 }),
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=3'],
      ...['-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0[v]', '-map', '[v]', '-map', '2:a'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
    ]);
    const progress: number[] = [];
    const { manifest, outDir, files } = await transcode(input, (p) => progress.push(p));
    expect(sizesOf(manifest)).toEqual(['854x480', '640x360']);
    await expectValidLadder(outDir, manifest, { width: 854, height: 480, durationSec: 3, hasAudio: true });
    expect(progress.at(-1)).toBeGreaterThanOrEqual(99);
    expect(await meanLuma(join(outDir, manifest.posterKey))).toBeGreaterThan(60);
    expect(files).toEqual(
      expect.arrayContaining([
        '360p.mp4',
        '360p/index.m3u8',
        '360p/init.mp4',
        '360p/seg_00000.m4s',
        '360p/seg_00001.m4s',
        '480p.mp4',
        'master.m3u8',
        'poster.jpg',
        'storyboard.jpg',
        'storyboard.vtt',
      ]),
    );
  });

  it('portrait phone video stored landscape with a 90° display rotation: portrait renditions', async () => {
    const stored = await makeClip(join(dir, 'stored.mp4'), [
      ...lavfi({ size: '854x480', rate: 30, duration: 2, audio: true }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
    ]);
    // FFmpeg 5.1 writes the display matrix only when stream-copying with a rotate tag.
    const input = await makeClip(join(dir, 'portrait.mp4'), [
      '-i',
      stored,
      '-c',
      'copy',
      '-metadata:s:v:0',
      'rotate=90',
    ]);
    const { manifest, outDir } = await transcode(input);
    expect(sizesOf(manifest)).toEqual(['480x854', '360x640']);
    await expectValidLadder(outDir, manifest, { width: 480, height: 854, durationSec: 2, hasAudio: true });
  });

  it('odd size (321x241, 4:4:4): one even rung just below it', async () => {
    const input = await makeClip(join(dir, 'odd.mkv'), [
      ...lavfi({ size: '320x240', rate: 25, duration: 2, audio: true }),
      ...['-vf', 'scale=321:241', '-pix_fmt', 'yuv444p', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac'],
      '-shortest',
    ]);
    const { manifest, outDir } = await transcode(input);
    expect(sizesOf(manifest)).toEqual(['320x240']);
    await expectValidLadder(outDir, manifest, { width: 321, height: 241, durationSec: 2, hasAudio: true });
  });

  it('no audio: video-only renditions and codecs, no error', async () => {
    const input = await makeClip(join(dir, 'silent.mp4'), [
      ...lavfi({ size: '640x360', rate: 30, duration: 2 }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast'],
    ]);
    const { manifest, outDir } = await transcode(input);
    expect(manifest.renditions.map((r) => r.codecs)).toEqual(['avc1.64001e']);
    await expectValidLadder(outDir, manifest, { width: 640, height: 360, durationSec: 2, hasAudio: false });
  });
});
