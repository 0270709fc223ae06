// Test support: short clips generated with ffmpeg's lavfi sources, and ffprobe-based checks of a transcoded folder.
// Everything a test asserts about the outputs is measured from the files, never taken from the plan.
import { execFile } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { VideoTranscodedV1 } from '@reelforge/contracts';
import { expect } from 'vitest';

const run = promisify(execFile);

/** `ffmpeg -y <args> <out>`; returns `out`. */
export async function makeClip(out: string, args: string[]): Promise<string> {
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args, out], { maxBuffer: 16 * 1024 * 1024 });
  return out;
}

/** lavfi inputs for a test pattern and, when `audio`, a tone of the same length. */
export function lavfi(o: { size: string; rate: number; duration: number; audio?: boolean }): string[] {
  const video = ['-f', 'lavfi', '-i', `testsrc2=size=${o.size}:rate=${o.rate}:duration=${o.duration}`];
  if (!o.audio) return video;
  return [...video, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${o.duration}`];
}

interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  /** H.264 level × 10 (51 is 5.1). */
  level?: number;
  sample_aspect_ratio?: string;
  r_frame_rate: string;
  avg_frame_rate: string;
  nb_frames?: string;
  channels?: number;
  color_transfer?: string;
  duration?: string;
  side_data_list?: { rotation?: number }[];
}
export interface Probed {
  streams: ProbedStream[];
  format: { duration?: string; format_name: string };
}

export async function ffprobe(path: string): Promise<Probed> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    // Lets ffprobe read our own HLS playlists and their segments, and nothing else.
    '-protocol_whitelist',
    'file',
    '-show_format',
    '-show_streams',
    '-of',
    'json',
    path,
  ]);
  return JSON.parse(stdout) as Probed;
}

export async function keyframeTimes(path: string): Promise<number[]> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-skip_frame',
    'nokey',
    '-show_entries',
    'frame=pts_time',
    '-of',
    'csv=p=0',
    path,
  ]);
  return stdout
    .split('\n')
    .map((l) => l.replace(/,+$/, '').trim())
    .filter(Boolean)
    .map(Number);
}

/** Top-level MP4 box types in file order (to check `moov` precedes `mdat`: faststart). */
export async function topLevelBoxes(path: string): Promise<string[]> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const types: string[] = [];
    const header = Buffer.alloc(16);
    for (let at = 0; at < size; ) {
      await file.read(header, 0, 16, at);
      let boxSize = header.readUInt32BE(0);
      if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
      types.push(header.toString('latin1', 4, 8));
      if (boxSize < 8) break;
      at += boxSize;
    }
    return types;
  } finally {
    await file.close();
  }
}

export interface SourceFacts {
  /** As displayed: rotation applied, square pixels. */
  width: number;
  height: number;
  durationSec: number;
  hasAudio: boolean;
}

const video = (p: Probed) => p.streams.find((s) => s.codec_type === 'video') as ProbedStream;
const audio = (p: Probed) => p.streams.find((s) => s.codec_type === 'audio');

/**
 * Everything the ladder promises, checked on the files: each rendition's size (even, not above the source, same
 * orientation, square pixels), duration, audio iff the source has it, a keyframe every 2 s, faststart MP4 and
 * playable HLS; the master listing every variant; the poster and the storyboard with its index.
 */
export async function expectValidLadder(
  outDir: string,
  manifest: VideoTranscodedV1,
  source: SourceFacts,
  segmentSec = 2,
): Promise<void> {
  expect(manifest.source).toEqual({ width: source.width, height: source.height, hasAudio: source.hasAudio });
  expect(Math.abs(manifest.durationSec - source.durationSec)).toBeLessThanOrEqual(0.1);

  for (const r of manifest.renditions) {
    const mp4 = await ffprobe(join(outDir, r.mp4Key));
    const v = video(mp4);
    expect([v.codec_name, v.pix_fmt]).toEqual(['h264', 'yuv420p']);
    expect([v.width, v.height]).toEqual([r.width, r.height]);
    expect(r.width % 2).toBe(0);
    expect(r.height % 2).toBe(0);
    expect(r.width).toBeLessThanOrEqual(source.width);
    expect(r.height).toBeLessThanOrEqual(source.height);
    expect(r.width > r.height).toBe(source.width > source.height);
    expect(v.sample_aspect_ratio ?? '1:1').toBe('1:1');
    expect(v.side_data_list?.some((d) => d.rotation !== undefined && d.rotation !== 0) ?? false).toBe(false);
    expect(Math.abs(Number(mp4.format.duration) - source.durationSec)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(Number(v.duration) - source.durationSec)).toBeLessThanOrEqual(0.1);

    const a = audio(mp4);
    expect(a !== undefined).toBe(source.hasAudio);
    if (a) expect([a.codec_name, a.channels]).toEqual(['aac', 2]);

    const keys = await keyframeTimes(join(outDir, r.mp4Key));
    expect(keys[0]).toBe(0);
    // One keyframe at every whole segment the video reaches, and no others.
    const expectedKeys = Math.ceil(Number(v.duration) / segmentSec - 0.001);
    expect(keys.map((t) => Math.round(t * 100) / 100)).toEqual(
      Array.from({ length: expectedKeys }, (_, i) => i * segmentSec),
    );

    const boxes = await topLevelBoxes(join(outDir, r.mp4Key));
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));

    const hls = await ffprobe(join(outDir, r.playlistKey));
    expect([video(hls).width, video(hls).height]).toEqual([r.width, r.height]);
    expect(Math.abs(Number(hls.format.duration) - source.durationSec)).toBeLessThanOrEqual(0.1);
    expect(audio(hls) !== undefined).toBe(source.hasAudio);
  }

  const master = await readFile(join(outDir, manifest.hlsMasterKey), 'utf8');
  const variants = [...master.matchAll(/#EXT-X-STREAM-INF:(.*)\n(.*)/g)].map((m) => ({
    resolution: /RESOLUTION=(\d+x\d+)/.exec(m[1] ?? '')?.[1],
    codecs: /CODECS="([^"]+)"/.exec(m[1] ?? '')?.[1],
    bandwidth: Number(/(?:^|,)BANDWIDTH=(\d+)/.exec(m[1] ?? '')?.[1]),
    uri: m[2],
  }));
  expect(variants.map(({ resolution, codecs, uri }) => ({ resolution, codecs, uri }))).toEqual(
    manifest.renditions.map((r) => ({ resolution: `${r.width}x${r.height}`, codecs: r.codecs, uri: r.playlistKey })),
  );
  for (const v of variants) expect(v.bandwidth).toBeGreaterThan(0);

  const top = manifest.renditions[0] as VideoTranscodedV1['renditions'][number];
  const poster = video(await ffprobe(join(outDir, manifest.posterKey)));
  expect([poster.codec_name, poster.width, poster.height]).toEqual(['mjpeg', top.width, top.height]);

  const t = manifest.thumbnails;
  const vtt = await readFile(join(outDir, t.vttKey), 'utf8');
  const cues = [...vtt.matchAll(/#xywh=(\d+),(\d+),(\d+),(\d+)/g)].map((m) => m.slice(1).map(Number));
  expect(cues).toHaveLength(Math.ceil(manifest.durationSec / t.intervalSec - 1e-9));
  const sprite = video(await ffprobe(join(outDir, t.spriteKey)));
  const right = Math.max(...cues.map(([x = 0, , w = 0]) => x + w));
  const bottom = Math.max(...cues.map(([, y = 0, , h = 0]) => y + h));
  expect(sprite.width).toBe(right);
  expect(sprite.height).toBe(bottom);
  expect(cues[0]).toEqual([0, 0, t.tileWidth, t.tileHeight]);
}

/** Mean luma (0–255) of an image, from a 16x16 grey thumbnail of it. */
export async function meanLuma(path: string): Promise<number> {
  const { stdout } = await promisify(execFile)(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-vf', 'scale=16:16,format=gray', '-f', 'rawvideo', '-'],
    { encoding: 'buffer' },
  );
  return stdout.reduce((sum, v) => sum + v, 0) / stdout.length;
}

export const sizesOf = (m: VideoTranscodedV1) => m.renditions.map((r) => `${r.width}x${r.height}`);
