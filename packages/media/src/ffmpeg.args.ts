// Pure: a plan → the one ffmpeg command that decodes the source once and encodes each rung once. A `split` feeds
// every rung's scaler; the tee muxer writes each encoded rung twice without re-encoding: HLS (fMP4 segments) and a
// faststart MP4. Poster and storyboard branch off the same decoded frames.

import type { LadderPlan, Rendition } from './ladder.planner.js';
import { safeInputArgs } from './probe.js';
import { formatRatio } from './ratio.js';

/** Where each output lands, relative to the output folder (ffmpeg runs with it as its working directory). */
export const outputFiles = {
  master: 'master.m3u8',
  poster: 'poster.jpg',
  sprite: 'storyboard.jpg',
  vtt: 'storyboard.vtt',
} as const;

export interface RenditionPaths {
  dir: string;
  playlist: string;
  init: string;
  segmentPattern: string;
  mp4: string;
}

export function renditionPaths(r: Pick<Rendition, 'name'>): RenditionPaths {
  return {
    dir: r.name,
    playlist: `${r.name}/index.m3u8`,
    // The HLS muxer puts the init segment beside the playlist.
    init: `${r.name}/init.mp4`,
    segmentPattern: `${r.name}/seg_%05d.m4s`,
    mp4: `${r.name}.mp4`,
  };
}

export interface FfmpegArgsOptions {
  /** Path of the source file. */
  input: string;
  /** Encoder threads per rung; 0 lets x264 decide from the core count. */
  threads: number;
  /** What to write; all by default. The benchmark turns parts off to time them. */
  hls?: boolean;
  mp4?: boolean;
  images?: boolean;
}

export function buildFfmpegArgs(plan: LadderPlan, opts: FfmpegArgsOptions): string[] {
  const hls = opts.hls ?? true;
  const mp4 = opts.mp4 ?? true;
  const images = opts.images ?? true;
  if (!hls && !mp4) throw new Error('buildFfmpegArgs: nothing to write (hls and mp4 both off)');

  const args = [
    ...ffmpegHeader,
    ...safeInputArgs(plan.container, opts.input),
    '-filter_complex',
    buildFilterGraph(plan, images),
  ];

  for (let i = 0; i < plan.renditions.length; i++) args.push('-map', `[v${i}]`);
  if (plan.audioStream !== null) args.push('-map', `0:${plan.audioStream}`);
  args.push(...videoEncoderArgs(plan), ...audioEncoderArgs(plan));
  args.push(
    '-threads',
    String(opts.threads),
    // The fps filter already made the frames constant; the muxers must not drop or repeat any.
    '-fps_mode',
    'passthrough',
    // The tee muxer cannot pass the MP4/fMP4 muxers' need for out-of-band SPS/PPS on to the encoders; ask for it.
    '-flags',
    '+global_header',
    // A header can claim 2 s while one packet sits at 10 h: the fps filter would fill the gap with frames. The
    // output ends at the probed duration plus a segment instead, however far the timestamps run.
    '-t',
    String(plan.maxOutputSec),
    '-f',
    'tee',
    teeTargets(plan, { hls, mp4 }),
  );
  if (images) args.push(...imageOutputArgs(plan, outputFiles));
  return args;
}

/** Ahead of every command: quiet, machine-readable progress on stdout for the executor. */
export const ffmpegHeader = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1'];

/**
 * Every rung's encoder settings, for the output streams `-map`ped in rung order. A chunk encodes with exactly these,
 * so its rungs' parameter sets match the whole ladder's and the stitch can concatenate them.
 */
export function videoEncoderArgs(plan: LadderPlan): string[] {
  const args = [
    '-c:v',
    'libx264',
    '-preset',
    plan.encoder.preset,
    '-crf',
    String(plan.encoder.crf),
    '-profile:v',
    'high',
    // A keyframe exactly every segment in every rung (no scene-cut extras), so all rungs cut at the same instants
    // and a player can switch between them at any segment boundary.
    '-g',
    String(plan.gopFrames),
    '-keyint_min',
    String(plan.gopFrames),
    '-sc_threshold',
    '0',
  ];
  plan.renditions.forEach((r, i) => {
    args.push(`-maxrate:v:${i}`, `${r.maxKbps}k`, `-bufsize:v:${i}`, `${r.bufsizeKbps}k`, `-level:v:${i}`, r.level);
  });
  if (plan.toneMap) args.push('-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709');
  return args;
}

/** The one audio track's encoder settings; none when the source has no audio. */
export function audioEncoderArgs(plan: LadderPlan): string[] {
  if (!plan.audio) return [];
  return [
    '-c:a',
    'aac',
    '-b:a',
    `${plan.audio.kbps}k`,
    '-ac',
    String(plan.audio.channels),
    '-ar',
    String(plan.audio.sampleRate),
  ];
}

/** The poster and storyboard outputs, fed by the filtergraph's `[poster]` and `[storyboard]`. */
export function imageOutputArgs(plan: LadderPlan, files: { poster: string; sprite: string }): string[] {
  return [
    ...['-map', '[poster]', '-fps_mode', 'passthrough', '-frames:v', '1', '-update', '1', '-q:v', '2'],
    ...['-t', String(plan.maxOutputSec), '-f', 'image2', files.poster],
    ...['-map', '[storyboard]', '-fps_mode', 'passthrough', '-frames:v', '1', '-update', '1', '-q:v', '4'],
    ...['-t', String(plan.maxOutputSec), '-f', 'image2', files.sprite],
  ];
}

/**
 * Pure: the filtergraph. `rungs` false leaves only the images (the light pass of a chunked job); either way the
 * frames go through the same preparation, so a chunk's pictures and a whole run's are the same.
 */
export function buildFilterGraph(plan: LadderPlan, images: boolean, rungs = true): string {
  const prep: string[] = [];
  // yadif only touches frames flagged interlaced, so a mixed source keeps its progressive frames intact.
  if (plan.deinterlace) prep.push('yadif=mode=send_frame:deint=interlaced');
  // Before scaling: a 120 fps source is halved before any pixel work. start_time=0 repeats the first picture back
  // to 0 when video starts after audio (AAC priming in MKV, TS captures), so every rung's keyframes sit on whole
  // segments from the first and the picture stays in sync with the sound.
  prep.push(`fps=fps=${formatRatio(plan.fps)}:start_time=0`);
  if (plan.prescale) prep.push(`scale=${plan.prescale.width}:${plan.prescale.height}`, 'setsar=1');
  if (plan.toneMap) {
    // HDR → SDR after the downscale (4K→1080p first makes the float conversion ~4× cheaper).
    const t = plan.toneMap;
    prep.push(
      `zscale=tin=${t.transfer}:pin=${t.primaries}:min=${t.matrix}:t=linear:npl=100`,
      'format=gbrpf32le',
      'zscale=p=bt709',
      'tonemap=tonemap=hable:desat=0',
      'zscale=t=bt709:m=bt709:r=tv',
    );
  }
  // 10-bit, 4:2:2 and 4:4:4 sources all leave as 8-bit 4:2:0, what every H.264 player decodes.
  prep.push('format=yuv420p');

  const branches = rungs ? plan.renditions.map((_, i) => (i === 0 ? '[v0]' : `[s${i}]`)) : [];
  if (images) branches.push('[posterIn]', '[storyboardIn]');
  const chains = [`[0:${plan.videoStream}]${prep.join(',')},split=${branches.length}${branches.join('')}`];
  if (rungs) {
    plan.renditions.forEach((r, i) => {
      if (i > 0) chains.push(`[s${i}]scale=${r.width}:${r.height},setsar=1[v${i}]`);
    });
  }
  if (images) {
    const p = plan.poster;
    const s = plan.storyboard;
    chains.push(
      `[posterIn]trim=start=${p.startSec}:end=${p.endSec},framestep=step=${p.step},thumbnail=n=${p.candidates}[poster]`,
      `[storyboardIn]fps=fps=1/${s.intervalSec},scale=${s.tileWidth}:${s.tileHeight},setsar=1,` +
        `tile=layout=${s.columns}x${s.rows}:nb_frames=${s.count}[storyboard]`,
    );
  }
  return chains.join(';');
}

/** Each rung's HLS and faststart MP4 targets of the tee muxer (the stitch writes the same by stream copy). */
export function teeTargets(plan: LadderPlan, want: { hls: boolean; mp4: boolean }): string {
  const targets: string[] = [];
  plan.renditions.forEach((r, i) => {
    const paths = renditionPaths(r);
    // Output stream order is the -map order: the rungs' videos, then the one audio stream all of them share. The
    // tee muxer unescapes the whole spec once before reading each target's options, hence \' around the list.
    const select = plan.audioStream === null ? `select=\\'v:${i}\\'` : `select=\\'v:${i},a\\'`;
    if (want.hls) {
      const hlsOpts = [
        'f=hls',
        `hls_time=${plan.segmentSec}`,
        'hls_playlist_type=vod',
        'hls_flags=independent_segments',
        'hls_segment_type=fmp4',
        'hls_fmp4_init_filename=init.mp4',
        `hls_segment_filename=${paths.segmentPattern}`,
      ];
      targets.push(`[${select}:${hlsOpts.join(':')}]${paths.playlist}`);
    }
    if (want.mp4) targets.push(`[${select}:f=mp4:movflags=+faststart]${paths.mp4}`);
  });
  return targets.join('|');
}
