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
  dir = await mkdtemp(join(tmpdir(), 'rf-hdr-'));
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

describe('transcodeFile: a 10-bit HDR HEVC 4K source', () => {
  it('10-bit HDR (PQ) HEVC 4K in Matroska → tone-mapped 8-bit 1080p…360p', async () => {
    const input = await makeClip(join(dir, 'hdr.mkv'), [
      ...lavfi({ size: '3840x2160', rate: 12, duration: 1 }),
      ...['-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le'],
      ...['-x265-params', 'log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc'],
    ]);
    const source = (await ffprobe(input)).streams[0];
    expect([source?.codec_name, source?.pix_fmt, source?.color_transfer]).toEqual(['hevc', 'yuv420p10le', 'smpte2084']);

    const { manifest, outDir } = await transcode(input);
    expect(sizesOf(manifest)).toEqual(['1920x1080', '1280x720', '854x480', '640x360']);
    await expectValidLadder(outDir, manifest, { width: 3840, height: 2160, durationSec: 1, hasAudio: false });
    const out = (await ffprobe(join(outDir, '1080p.mp4'))).streams[0];
    expect(out?.color_transfer).toBe('bt709');
  });
});
