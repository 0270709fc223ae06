// Tiny test inputs made with FFmpeg on the spot: a few seconds at low resolution keep each transcode around a second.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ffmpeg(args: string[], name: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'rf-e2e-clip-'));
  try {
    const out = join(dir, name);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, out]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** H.264 + AAC in MP4, a test pattern with a tone. */
export const videoClip = (opts: { width: number; height: number; seconds: number }) =>
  ffmpeg(
    [
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${opts.width}x${opts.height}:rate=25:duration=${opts.seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:duration=${opts.seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
    ],
    'clip.mp4',
  );

/** An MP4 (`ftyp isom`, so it passes the API's sniffing) with an AAC track and no video at all. */
export const audioOnlyMp4 = (seconds: number) =>
  ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', '-f', 'mp4'], 'audio.mp4');

/**
 * Lossless H.264 of a noisy pattern: ~10 MB a second of 640x360, so a direct upload has several 5 MiB parts while
 * its transcode stays short.
 */
export const bigClip = (seconds = 2) =>
  ffmpeg(
    [
      ...['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${seconds},noise=alls=60:allf=t`],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p'],
    ],
    'big.mp4',
  );
