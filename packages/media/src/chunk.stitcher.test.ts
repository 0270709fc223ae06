import { describe, expect, it } from 'vitest';
import { buildConcatList, buildStitchArgs, type ChunkStreamParams, chunkMismatch } from './chunk.stitcher.js';
import { type LadderPlan, planLadder } from './ladder.planner.js';
import { defaultProfile } from './ladder.profile.js';

const plan: LadderPlan = planLadder(
  {
    container: 'mov',
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSec: 120,
    audio: { index: 1, codec: 'aac', channels: 2, sampleRate: 48000 },
    avStreams: 2,
    video: {
      index: 0,
      codec: 'h264',
      width: 854,
      height: 480,
      sar: { num: 1, den: 1 },
      rotation: 0,
      avgFrameRate: { num: 30, den: 1 },
      rFrameRate: { num: 30, den: 1 },
      pixFmt: 'yuv420p',
      colorTransfer: null,
      colorPrimaries: null,
      colorSpace: null,
      fieldOrder: 'progressive',
    },
  },
  defaultProfile,
);
const hls = (rung: string, stream: number, audio: boolean) =>
  `[select=\\'v:${stream}${audio ? ',a' : ''}\\':f=hls:hls_time=2:hls_playlist_type=vod:hls_flags=independent_segments:` +
  `hls_segment_type=fmp4:hls_fmp4_init_filename=init.mp4:hls_segment_filename=${rung}/seg_%05d.m4s]${rung}/index.m3u8`;
const mp4 = (rung: string, stream: number, audio: boolean) =>
  `[select=\\'v:${stream}${audio ? ',a' : ''}\\':f=mp4:movflags=+faststart]${rung}.mp4`;

describe('buildConcatList', () => {
  it('lists the rung of every chunk in order, relative to the list and in the safe form', () => {
    expect(buildConcatList({ name: '360p' }, 3)).toBe(
      'ffconcat version 1.0\nfile 0/360p.mp4\nfile 1/360p.mp4\nfile 2/360p.mp4\n',
    );
  });
});

describe('buildStitchArgs', () => {
  const strict = ['-protocol_whitelist', 'file', '-format_whitelist', 'concat,mov', '-codec_whitelist', 'h264,aac'];
  const concat = [...strict, '-f', 'concat', '-safe', '1', '-auto_convert', '0'];
  const header = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1'];

  it('concatenates each rung, adds the one audio track and tees into the whole layout by stream copy', () => {
    expect(buildStitchArgs(plan, 3)).toEqual([
      ...header,
      ...[...concat, '-i', 'chunks/480p.ffconcat'],
      ...[...concat, '-i', 'chunks/360p.ffconcat'],
      ...[...strict, '-f', 'mov', '-i', 'chunks/aux/audio.m4a'],
      ...['-map', '0:v:0', '-map', '1:v:0', '-map', '2:a:0'],
      ...['-c', 'copy', '-f', 'tee'],
      [hls('480p', 0, true), mp4('480p', 0, true), hls('360p', 1, true), mp4('360p', 1, true)].join('|'),
    ]);
  });

  it('maps no audio for a silent source', () => {
    const args = buildStitchArgs({ ...plan, audioStream: null, audio: null }, 2);
    expect(args.slice(args.indexOf('-map'))).toEqual([
      ...['-map', '0:v:0', '-map', '1:v:0', '-c', 'copy', '-f', 'tee'],
      [hls('480p', 0, false), mp4('480p', 0, false), hls('360p', 1, false), mp4('360p', 1, false)].join('|'),
    ]);
  });
});

describe('chunkMismatch', () => {
  const params: ChunkStreamParams = {
    codec_name: 'h264',
    profile: 'High',
    level: 31,
    width: 854,
    height: 480,
    pix_fmt: 'yuv420p',
    extradata_hash: 'SHA256:aa',
  };

  it('accepts chunks whose parameter sets are identical', () => {
    expect(chunkMismatch('480p', [params, { ...params }, { ...params }])).toBeNull();
  });

  it('names the first chunk that differs and in what', () => {
    expect(chunkMismatch('480p', [params, params, { ...params, level: 40, extradata_hash: 'SHA256:bb' }])).toBe(
      'chunk 2 of the 480p rung differs from chunk 0 in level, extradata_hash; its streams cannot be joined',
    );
  });
});
