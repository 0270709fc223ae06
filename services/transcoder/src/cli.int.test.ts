import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VideoTranscodedV1 } from '@reelforge/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { lavfi, makeClip } from './testing/media.fixtures.js';

// The built CLI, exactly what `./reelforge transcode` runs (the workspace is built before the tests run).
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
let dir: string;
let clip: string;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}
const runCli = (args: string[], env: Record<string, string> = {}) =>
  new Promise<CliRun>((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rf-cli-'));
  clip = await makeClip(join(dir, 'clip.mp4'), [
    ...lavfi({ size: '640x360', rate: 30, duration: 2, audio: true }),
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
  ]);
});

/** Each case in its own folder, so "nothing written" means the folder holds only the input. */
async function caseDir(name: string): Promise<string> {
  const d = join(dir, name);
  await mkdir(d);
  return d;
}

describe('transcoder CLI', () => {
  it('writes the ladder and manifest.json (keys relative to the folder) and prints the manifest', async () => {
    const d = await caseDir('ok');
    const out = join(d, 'out');
    const run = await runCli([clip, out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const manifest = VideoTranscodedV1.parse(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')));
    expect(JSON.parse(run.stdout)).toEqual(manifest);
    for (const key of [manifest.hlsMasterKey, manifest.posterKey, ...manifest.renditions.map((r) => r.mp4Key)]) {
      expect(key.startsWith('/')).toBe(false);
      expect((await stat(join(out, key))).size).toBeGreaterThan(0);
    }
    expect(manifest.renditions.map((r) => `${r.width}x${r.height}`)).toEqual(['640x360']);
    expect(await readdir(d)).toEqual(['out']); // no staging folder left behind
  });

  it('replaces its own outputs when run again into the same folder', async () => {
    const out = join(await caseDir('again'), 'out');
    expect((await runCli([clip, out])).code).toBe(0);
    const first = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as VideoTranscodedV1;
    expect((await runCli([clip, out])).code).toBe(0);
    const second = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as VideoTranscodedV1;
    expect(second.videoId).not.toBe(first.videoId);
    expect((await readdir(join(out, '360p'))).sort()).toEqual(['index.m3u8', 'init.mp4', 'seg_00000.m4s']);
  });

  const hostile: [string, string, (d: string) => Promise<string>][] = [
    [
      'text named .mp4',
      'UNSUPPORTED_INPUT',
      async (d) => {
        await writeFile(join(d, 'notes.mp4'), 'just some text, not a video\n'.repeat(20));
        return join(d, 'notes.mp4');
      },
    ],
    [
      'a zero-byte file',
      'EMPTY_INPUT',
      async (d) => {
        await writeFile(join(d, 'empty.mp4'), '');
        return join(d, 'empty.mp4');
      },
    ],
    [
      'a truncated MP4 (moov never written)',
      'CORRUPT_INPUT',
      async (d) => {
        const full = await makeClip(join(d, 'truncated.mp4'), [
          ...lavfi({ size: '320x240', rate: 30, duration: 2 }),
          ...['-c:v', 'libx264', '-preset', 'ultrafast'],
        ]);
        await truncate(full, Math.floor((await stat(full)).size / 2));
        return full;
      },
    ],
    [
      'audio only',
      'NO_VIDEO_STREAM',
      async (d) => makeClip(join(d, 'song.mp4'), [...['-f', 'lavfi', '-i', 'sine=duration=1'], ...['-c:a', 'aac']]),
    ],
    [
      'an HLS playlist whose segment is a host file',
      'UNSUPPORTED_INPUT',
      async (d) => {
        const body =
          '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXTINF:10,\n/etc/hostname\n#EXT-X-ENDLIST\n';
        await writeFile(join(d, 'upload.mp4'), body);
        return join(d, 'upload.mp4');
      },
    ],
    [
      'an ffconcat script naming host files',
      'UNSUPPORTED_INPUT',
      async (d) => {
        await writeFile(join(d, 'upload.mkv'), "ffconcat version 1.0\nfile '/etc/passwd'\nfile '/etc/hostname'\n");
        return join(d, 'upload.mkv');
      },
    ],
  ];

  it.each(hostile)(
    'refuses %s with %s, exit 2, one JSON object on stderr, nothing written',
    async (name, code, make) => {
      const d = await caseDir(name.replace(/\W+/g, '-'));
      const input = await make(d);
      const before = await readdir(d);
      const run = await runCli([input, join(d, 'out')]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      const error = JSON.parse(lines[0] ?? '') as { code: string; message: string };
      expect(Object.keys(error)).toEqual(['code', 'message']);
      expect(error.code).toBe(code);
      expect(error.message).not.toContain('/etc/');
      expect(await readdir(d)).toEqual(before);
    },
  );

  it.each([
    ['MAX_INPUT_BYTES', '1000', 'TOO_LARGE'],
    ['MAX_DURATION_SEC', '1', 'TOO_LONG'],
    ['MAX_PIXELS', '10000', 'TOO_MANY_PIXELS'],
    // The clip has a video and an audio stream.
    ['MAX_STREAMS', '1', 'TOO_MANY_STREAMS'],
    // 640x360 fitted within 100 px is 100x56: under the 64 px minimum.
    ['MAX_OUTPUT_SIDE', '100', 'UNSUPPORTED_DIMENSIONS'],
  ])('applies the limit %s=%s as %s', async (variable, value, code) => {
    const d = await caseDir(`limit-${variable}`);
    const run = await runCli([clip, join(d, 'out')], { [variable]: value });
    expect(run.code).toBe(2);
    expect((JSON.parse(run.stderr) as { code: string }).code).toBe(code);
    expect(await readdir(d)).toEqual([]);
  });

  it('answers a wrong call with its usage, exit 64', async () => {
    const run = await runCli([clip]);
    expect(run.code).toBe(64);
    expect(JSON.parse(run.stderr)).toEqual({
      code: 'BAD_REQUEST',
      message: 'usage: reelforge-transcode <input-file> <output-dir> [--chunks N]',
    });
  });
});
