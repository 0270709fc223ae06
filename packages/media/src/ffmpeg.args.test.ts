import { describe, expect, it } from 'vitest';
import { decoderWhitelist } from './codec.whitelist.js';
import { buildFfmpegArgs, buildFilterGraph, renditionPaths } from './ffmpeg.args.js';
import { type LadderPlan, planLadder } from './ladder.planner.js';
import { defaultProfile } from './ladder.profile.js';
import type { ProbeResult, VideoStreamInfo } from './probe.js';

const probe = (video: Partial<VideoStreamInfo> = {}, over: Partial<ProbeResult> = {}): ProbeResult => ({
  container: 'mov',
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSec: 3,
  audio: { index: 1, codec: 'aac', channels: 1, sampleRate: 44100 },
  avStreams: 2,
  ...over,
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
    ...video,
  },
});
const plan480: LadderPlan = planLadder(probe(), defaultProfile);

describe('buildFfmpegArgs', () => {
  it('decodes once, encodes each rung once, and tees every rung into HLS and a faststart MP4', () => {
    expect(buildFfmpegArgs(plan480, { input: '/scratch/in', threads: 2 })).toEqual([
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-nostats',
      '-progress',
      'pipe:1',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'mov,matroska,mpegts,mpeg,avi,flv,asf,ogg',
      '-codec_whitelist',
      decoderWhitelist.join(','),
      '-probesize',
      '5000000',
      '-analyzeduration',
      '5000000',
      '-max_streams',
      '100',
      '-f',
      'mov',
      '-i',
      'file:/scratch/in',
      '-filter_complex',
      '[0:0]fps=fps=30/1:start_time=0,format=yuv420p,split=4[v0][s1][posterIn][storyboardIn];' +
        '[s1]scale=640:360,setsar=1[v1];' +
        '[posterIn]trim=start=0.3:end=1.2,framestep=step=1,thumbnail=n=27[poster];' +
        '[storyboardIn]fps=fps=1/1,scale=160:90,setsar=1,tile=layout=3x1:nb_frames=3[storyboard]',
      '-map',
      '[v0]',
      '-map',
      '[v1]',
      '-map',
      '0:1',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '23',
      '-profile:v',
      'high',
      '-g',
      '60',
      '-keyint_min',
      '60',
      '-sc_threshold',
      '0',
      '-maxrate:v:0',
      '1400k',
      '-bufsize:v:0',
      '2800k',
      '-level:v:0',
      '3.1',
      '-maxrate:v:1',
      '800k',
      '-bufsize:v:1',
      '1600k',
      '-level:v:1',
      '3.0',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-ac',
      '2',
      '-ar',
      '48000',
      '-threads',
      '2',
      '-fps_mode',
      'passthrough',
      '-flags',
      '+global_header',
      // The 3 s source ends at 5 s at the latest, whatever its timestamps say.
      '-t',
      '5',
      '-f',
      'tee',
      "[select=\\'v:0,a\\':f=hls:hls_time=2:hls_playlist_type=vod:hls_flags=independent_segments:hls_segment_type=fmp4:hls_fmp4_init_filename=init.mp4:hls_segment_filename=480p/seg_%05d.m4s]480p/index.m3u8|" +
        "[select=\\'v:0,a\\':f=mp4:movflags=+faststart]480p.mp4|" +
        "[select=\\'v:1,a\\':f=hls:hls_time=2:hls_playlist_type=vod:hls_flags=independent_segments:hls_segment_type=fmp4:hls_fmp4_init_filename=init.mp4:hls_segment_filename=360p/seg_%05d.m4s]360p/index.m3u8|" +
        "[select=\\'v:1,a\\':f=mp4:movflags=+faststart]360p.mp4",
      '-map',
      '[poster]',
      '-fps_mode',
      'passthrough',
      '-frames:v',
      '1',
      '-update',
      '1',
      '-q:v',
      '2',
      '-t',
      '5',
      '-f',
      'image2',
      'poster.jpg',
      '-map',
      '[storyboard]',
      '-fps_mode',
      'passthrough',
      '-frames:v',
      '1',
      '-update',
      '1',
      '-q:v',
      '4',
      '-t',
      '5',
      '-f',
      'image2',
      'storyboard.jpg',
    ]);
  });

  it('selects only the video for a silent source, and writes only HLS when asked', () => {
    const silent = planLadder(probe({}, { audio: null }), defaultProfile);
    const args = buildFfmpegArgs(silent, { input: '/in', threads: 0, mp4: false, images: false });
    expect(args).not.toContain('-c:a');
    expect(args.filter((a) => a === '-map')).toHaveLength(2);
    expect(args.at(-1)).toBe(
      "[select=\\'v:0\\':f=hls:hls_time=2:hls_playlist_type=vod:hls_flags=independent_segments:hls_segment_type=fmp4:hls_fmp4_init_filename=init.mp4:hls_segment_filename=480p/seg_%05d.m4s]480p/index.m3u8|" +
        "[select=\\'v:1\\':f=hls:hls_time=2:hls_playlist_type=vod:hls_flags=independent_segments:hls_segment_type=fmp4:hls_fmp4_init_filename=init.mp4:hls_segment_filename=360p/seg_%05d.m4s]360p/index.m3u8",
    );
  });

  it('refuses to build a command that writes nothing', () => {
    expect(() => buildFfmpegArgs(plan480, { input: '/in', threads: 0, hls: false, mp4: false })).toThrow(
      /nothing to write/,
    );
  });

  it('tags tone-mapped output as BT.709', () => {
    const hdr = planLadder(
      probe({ colorTransfer: 'smpte2084', colorPrimaries: 'bt2020', colorSpace: 'bt2020nc' }),
      defaultProfile,
    );
    const args = buildFfmpegArgs(hdr, { input: '/in', threads: 0 });
    const at = args.indexOf('-color_primaries');
    expect(args.slice(at, at + 6)).toEqual([
      '-color_primaries',
      'bt709',
      '-color_trc',
      'bt709',
      '-colorspace',
      'bt709',
    ]);
  });
});

describe('buildFilterGraph', () => {
  it('deinterlaces, fixes the rate, squares the pixels and tone-maps before the split, once', () => {
    const plan = planLadder(
      probe(
        {
          width: 720,
          height: 576,
          sar: { num: 64, den: 45 },
          fieldOrder: 'tt',
          avgFrameRate: { num: 25, den: 1 },
          rFrameRate: { num: 25, den: 1 },
          colorTransfer: 'arib-std-b67',
          colorPrimaries: 'bt2020',
          colorSpace: 'bt2020nc',
        },
        { durationSec: 2 },
      ),
      defaultProfile,
    );
    expect(buildFilterGraph(plan, false).split(';')).toEqual([
      '[0:0]yadif=mode=send_frame:deint=interlaced,fps=fps=25/1:start_time=0,scale=1024:576,setsar=1,' +
        'zscale=tin=arib-std-b67:pin=bt2020:min=bt2020nc:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,' +
        'tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p,split=3[v0][s1][s2]',
      '[s1]scale=854:480,setsar=1[v1]',
      '[s2]scale=640:360,setsar=1[v2]',
    ]);
  });
});

describe('renditionPaths', () => {
  it('keeps each rung in its folder and its MP4 beside it', () => {
    expect(renditionPaths({ name: '720p' })).toEqual({
      dir: '720p',
      playlist: '720p/index.m3u8',
      init: '720p/init.mp4',
      segmentPattern: '720p/seg_%05d.m4s',
      mp4: '720p.mp4',
    });
  });
});
