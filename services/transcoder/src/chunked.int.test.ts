// The chunked path against the single run, on real FFmpeg: a two-minute clip with motion and audio, transcoded
// whole and as 3 chunks by the CLI (`--chunks 3`), must give the same ladder — frames, timestamps across the seams,
// audio, segments, picture quality — and play over HTTP from its master playlist.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { VideoTranscodedV1 } from '@reelforge/contracts';
import { defaultProfile, planChunks, planLadder, probeInput } from '@reelforge/media';
import { presignGet, putStream } from '@reelforge/storage';
import { createTestBuckets } from '@reelforge/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeChunk } from './chunked.service.js';
import { expectValidLadder, ffprobe, lavfi, makeClip } from './testing/media.fixtures.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const SECONDS = 120;
const FPS = 30;
const silent = pino({ level: 'silent' });

let dir: string;
let source: string;
let whole: { dir: string; manifest: VideoTranscodedV1 };
let chunked: { dir: string; manifest: VideoTranscodedV1 };
let server: Server;
let baseUrl: string;
const requested: string[] = [];

async function transcode(name: string, extra: string[]) {
  const out = join(dir, name);
  await run(process.execPath, [cli, source, out, ...extra], { maxBuffer: 16 * 1024 * 1024 });
  return {
    dir: out,
    manifest: VideoTranscodedV1.parse(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-chunked-'));
  // 854x480 gives two rungs (480p, 360p); testsrc2 moves in every frame.
  source = await makeClip(join(dir, 'source.mp4'), [
    ...lavfi({ size: '854x480', rate: FPS, duration: SECONDS, audio: true }),
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-c:a', 'aac', '-shortest'],
  ]);
  // One after the other: on a shared machine, two at once would each starve the other.
  whole = await transcode('whole', []);
  chunked = await transcode('chunked', ['--chunks', '3']);
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    requested.push(path);
    try {
      res.end(await readFile(join(chunked.dir, path)));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 900_000);

afterAll(() => server?.close());

async function packets(path: string, stream: 'v' | 'a'): Promise<number[]> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', 'packet=pts', '-of', 'csv=p=0', path],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
}

const streamOf = async (path: string, type: 'video' | 'audio') => {
  const s = (await ffprobe(path)).streams.find((x) => x.codec_type === type);
  if (!s) throw new Error(`no ${type} in ${path}`);
  return s;
};

/** SSIM of a rendition against the source (scaled up to it), over every frame. */
async function ssim(rendition: string): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    ...['-hide_banner', '-nostats', '-i', rendition, '-i', source],
    ...['-lavfi', '[0:v]scale=854:480:flags=bicubic,setsar=1[r];[1:v]setsar=1[s];[r][s]ssim', '-f', 'null', '-'],
  ]);
  const all = /SSIM .* All:([\d.]+)/.exec(stderr)?.[1];
  if (!all) throw new Error(`no SSIM in: ${stderr.slice(-500)}`);
  return Number(all);
}

const segments = (playlist: string) => playlist.split('\n').filter((l) => l && !l.startsWith('#'));
const extinf = (playlist: string) => [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));

describe('chunked transcode (3 chunks) against the single run', () => {
  it('writes the same layout, a valid ladder', async () => {
    const files = async (d: string) => (await readdir(d, { recursive: true })).sort();
    expect(await files(chunked.dir)).toEqual(await files(whole.dir));
    expect(await readdir(chunked.dir)).not.toContain('chunks');
    expect(chunked.manifest.renditions.map((r) => r.name)).toEqual(['480p', '360p']);
    await expectValidLadder(chunked.dir, chunked.manifest, {
      width: 854,
      height: 480,
      durationSec: SECONDS,
      hasAudio: true,
    });
  });

  it('has per rendition the same frames at the same timestamps, none doubled or missing at the seams', async () => {
    for (const r of chunked.manifest.renditions) {
      const a = join(whole.dir, r.mp4Key);
      const b = join(chunked.dir, r.mp4Key);
      const [va, vb] = [await streamOf(a, 'video'), await streamOf(b, 'video')];
      expect(vb.nb_frames).toBe(String(SECONDS * FPS));
      expect(vb.nb_frames).toBe(va.nb_frames);
      expect(Math.abs(Number(vb.duration) - Number(va.duration))).toBeLessThanOrEqual(1 / FPS);
      const pts = await packets(b, 'v');
      expect(new Set(pts).size).toBe(pts.length);
      const step = (pts[1] ?? 0) - (pts[0] ?? 0);
      expect(step).toBeGreaterThan(0);
      // Every frame one frame after the last, through both seams (40 s and 80 s).
      expect(pts.every((p, i) => p === (pts[0] ?? 0) + i * step)).toBe(true);
      expect(pts).toEqual(await packets(a, 'v'));
    }
  });

  it('has the audio of the single run within 20 ms', async () => {
    for (const r of chunked.manifest.renditions) {
      const a = await streamOf(join(whole.dir, r.mp4Key), 'audio');
      const b = await streamOf(join(chunked.dir, r.mp4Key), 'audio');
      expect(Math.abs(Number(b.duration) - Number(a.duration))).toBeLessThanOrEqual(0.02);
    }
  });

  it('lists every segment once, in order, as the single run does', async () => {
    for (const r of chunked.manifest.renditions) {
      const playlist = await readFile(join(chunked.dir, r.playlistKey), 'utf8');
      const listed = segments(playlist);
      expect(listed).toEqual(Array.from({ length: SECONDS / 2 }, (_, i) => `seg_${String(i).padStart(5, '0')}.m4s`));
      const onDisk = (await readdir(join(chunked.dir, r.name))).filter((f) => f.endsWith('.m4s')).sort();
      expect(onDisk).toEqual(listed);
      const single = await readFile(join(whole.dir, r.playlistKey), 'utf8');
      expect(listed).toEqual(segments(single));
      expect(extinf(playlist)).toEqual(extinf(single));
    }
  });

  it('plays end to end from the master playlist over HTTP', async () => {
    const { stderr } = await run(
      'ffmpeg',
      ['-hide_banner', '-nostats', '-v', 'error', '-i', `${baseUrl}/master.m3u8`, '-map', '0', '-f', 'null', '-'],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stderr).toBe('');
    // Every segment of every rung was fetched: the player went through to the end of each.
    for (const r of chunked.manifest.renditions) {
      const listed = segments(await readFile(join(chunked.dir, r.playlistKey), 'utf8'));
      expect(listed.every((seg) => requested.includes(`/${r.name}/${seg}`))).toBe(true);
    }
  }, 300_000);

  it('is as close to the source as the single run (SSIM within 0.005)', async () => {
    for (const r of chunked.manifest.renditions) {
      const [a, b] = [await ssim(join(whole.dir, r.mp4Key)), await ssim(join(chunked.dir, r.mp4Key))];
      expect(a).toBeGreaterThan(0.9);
      expect(Math.abs(b - a)).toBeLessThanOrEqual(0.005);
    }
  }, 300_000);
});

describe('a chunk task reading the source where it is stored', () => {
  it('encodes from a presigned URL, by ranges, the same chunk as from a local copy', async () => {
    const buckets = await createTestBuckets('raw');
    const ref = { bucket: buckets.raw, key: 'videos/ranged/source' };
    await putStream(buckets.s3, ref, createReadStream(source));
    const url = new URL(await presignGet(buckets.s3, ref, 600));
    const plan = planLadder(await probeInput(source), defaultProfile);
    const chunks = planChunks(plan, { thresholdSec: 0, chunkSec: 40, maxChunks: 3 }) ?? [];
    expect(chunks.length).toBe(3);
    // One thread: x264's threaded rate control is not bit-exact from run to run, one thread is.
    const opts = { threads: 1, timeoutMs: 300_000, logger: silent };
    const [remote, local] = [join(dir, 'ranged-url'), join(dir, 'ranged-file')];
    // The middle chunk: a seek into the file, then a range in the middle of it.
    const files = await encodeChunk(url, remote, { plan, chunks }, 1, opts);
    expect(await encodeChunk(source, local, { plan, chunks }, 1, opts)).toEqual(files);
    for (const file of files) {
      expect([file, await packetsMd5(join(remote, file))]).toEqual([file, await packetsMd5(join(local, file))]);
    }
  }, 300_000);
});

/** The MD5 of a file's video packets, whatever the container around them. */
async function packetsMd5(path: string): Promise<string> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:v', '-c', 'copy', '-f', 'md5', '-']);
  return stdout.trim();
}
