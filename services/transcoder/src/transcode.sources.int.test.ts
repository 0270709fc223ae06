import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultInputLimits, defaultProfile, type MediaLogger } from '@reelforge/media';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectValidLadder, ffprobe, lavfi, makeClip, sizesOf } from './testing/media.fixtures.js';
import { transcodeFile } from './transcode.service.js';

const logger: MediaLogger = { debug() {}, info() {}, warn() {}, error() {} };
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-sources-'));
});

async function transcode(input: string) {
  const outDir = join(dir, `out-${++n}`);
  const result = await transcodeFile(input, outDir, {
    videoId: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
    attempt: 2,
    profile: defaultProfile,
    limits: defaultInputLimits,
    threads: 0,
    timeoutMs: 120_000,
    logger,
  });
  return { ...result, outDir };
}

describe('transcodeFile: messy sources come out as square-pixel, constant-rate, 8-bit H.264', () => {
  it('VFR (jittered timestamps, every 7th frame dropped) → constant 30 fps', async () => {
    const input = await makeClip(join(dir, 'vfr.mp4'), [
      '-f',
      'lavfi',
      '-i',
      "testsrc2=size=640x360:rate=30:duration=3,setpts='(N/30+0.012*sin(N))/TB',select='not(eq(mod(n\\,7)\\,3))'",
      ...['-f', 'lavfi', '-i', 'sine=duration=3'],
      ...['-fps_mode:v', 'vfr', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
    ]);
    const source = (await ffprobe(input)).streams[0];
    expect(source?.avg_frame_rate).not.toBe(source?.r_frame_rate); // the clip really is VFR

    const { manifest, outDir } = await transcode(input);
    expect(sizesOf(manifest)).toEqual(['640x360']);
    await expectValidLadder(outDir, manifest, { width: 640, height: 360, durationSec: 3, hasAudio: true });
    const out = (await ffprobe(join(outDir, '360p.mp4'))).streams.find((s) => s.codec_type === 'video');
    expect([out?.r_frame_rate, out?.avg_frame_rate]).toEqual(['30/1', '30/1']);
    expect(Number(out?.nb_frames)).toBe(Math.round(Number(out?.duration) * 30));
  });

  it('120 fps (slow-motion capture) → capped at 60 fps, every other frame kept', async () => {
    const input = await makeClip(join(dir, 'hfr.mp4'), [
      ...lavfi({ size: '320x240', rate: 120, duration: 2, audio: true }),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
    ]);
    const { manifest, outDir } = await transcode(input);
    await expectValidLadder(outDir, manifest, { width: 320, height: 240, durationSec: 2, hasAudio: true });
    const out = (await ffprobe(join(outDir, '240p.mp4'))).streams.find((s) => s.codec_type === 'video');
    expect([out?.r_frame_rate, out?.avg_frame_rate, out?.nb_frames]).toEqual(['60/1', '60/1', '120']);
  });

  it('VP9 + Opus in WebM', async () => {
    const input = await makeClip(join(dir, 'clip.webm'), [
      ...lavfi({ size: '640x360', rate: 30, duration: 2, audio: true }),
      ...['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-c:a', 'libopus'],
    ]);
    const { manifest, outDir } = await transcode(input);
    expect(sizesOf(manifest)).toEqual(['640x360']);
    await expectValidLadder(outDir, manifest, { width: 640, height: 360, durationSec: 2, hasAudio: true });
  });

  it('anamorphic interlaced PAL (720x576, SAR 64:45, MPEG-2 + MP2 in TS) → square-pixel 1024x576 progressive', async () => {
    const input = await makeClip(join(dir, 'pal.ts'), [
      ...lavfi({ size: '720x576', rate: 25, duration: 2, audio: true }),
      ...['-vf', 'setsar=64/45', '-c:v', 'mpeg2video', '-flags', '+ilme+ildct', '-top', '1', '-c:a', 'mp2'],
      ...['-f', 'mpegts'],
    ]);
    const { manifest, outDir } = await transcode(input);
    expect(sizesOf(manifest)).toEqual(['1024x576', '854x480', '640x360']);
    await expectValidLadder(outDir, manifest, { width: 1024, height: 576, durationSec: 2, hasAudio: true });
    const out = (await ffprobe(join(outDir, '576p.mp4'))).streams[0] as { field_order?: string };
    expect(out.field_order).toBe('progressive');
  });
});
