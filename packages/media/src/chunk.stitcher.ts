// Pure: the stitch of a chunked job. Per rung, the chunks' videos are concatenated (ffconcat lists) and muxed with
// the one audio track by stream copy into exactly what a whole run writes: the HLS muxer cuts at the same keyframes
// and numbers the segments on from chunk to chunk; nothing is re-encoded.
import { chunkFiles, chunkRungFile } from './chunk.args.js';
import { ffmpegHeader, teeTargets } from './ffmpeg.args.js';
import type { LadderPlan, Rendition } from './ladder.planner.js';

/** The ffconcat list of one rung, beside the chunk folders. */
export const concatListFile = (r: Pick<Rendition, 'name'>) => `${chunkFiles.dir}${r.name}.ffconcat`;

/** Paths relative to the list's folder, in the concat demuxer's safe form (no absolute path, no `..`). */
export function buildConcatList(r: Pick<Rendition, 'name'>, count: number): string {
  const lines = ['ffconcat version 1.0'];
  for (let i = 0; i < count; i++) lines.push(`file ${chunkRungFile(i, r).slice(chunkFiles.dir.length)}`);
  return `${lines.join('\n')}\n`;
}

export function buildStitchArgs(plan: LadderPlan, count: number): string[] {
  if (count < 1) throw new Error('buildStitchArgs: no chunks');
  const args = [...ffmpegHeader];
  // The parts were written by other tasks of the job: read them as strictly as an upload (the concat demuxer hands
  // its whitelists on to each file it opens).
  const strict = ['-protocol_whitelist', 'file', '-format_whitelist', 'concat,mov', '-codec_whitelist', 'h264,aac'];
  for (const r of plan.renditions) {
    // auto_convert off: the packets stay as the chunk MP4s hold them (length-prefixed, parameter sets out of band),
    // as a whole run's muxers receive them.
    args.push(...strict, '-f', 'concat', '-safe', '1', '-auto_convert', '0', '-i', concatListFile(r));
  }
  if (plan.audioStream !== null) args.push(...strict, '-f', 'mov', '-i', chunkFiles.audio);
  for (let i = 0; i < plan.renditions.length; i++) args.push('-map', `${i}:v:0`);
  if (plan.audioStream !== null) args.push('-map', `${plan.renditions.length}:a:0`);
  args.push('-c', 'copy', '-f', 'tee', teeTargets(plan, { hls: true, mp4: true }));
  return args;
}

/** What must be equal across a rung's chunks for their streams to be one stream (ffprobe's names). */
export interface ChunkStreamParams {
  codec_name: string;
  profile: string;
  level: number;
  width: number;
  height: number;
  pix_fmt: string;
  /** SHA-256 of the avcC (SPS/PPS): the init segment a player reads for every chunk's frames. */
  extradata_hash: string;
}

const compared: (keyof ChunkStreamParams)[] = [
  'codec_name',
  'profile',
  'level',
  'width',
  'height',
  'pix_fmt',
  'extradata_hash',
];

/** Null when every chunk of the rung matches chunk 0; otherwise why the stitch must refuse. */
export function chunkMismatch(rung: string, chunks: ChunkStreamParams[]): string | null {
  const first = chunks[0];
  if (!first) return `the ${rung} rung has no chunks`;
  for (let i = 1; i < chunks.length; i++) {
    const differ = compared.filter((k) => chunks[i]?.[k] !== first[k]);
    if (differ.length > 0) {
      return `chunk ${i} of the ${rung} rung differs from chunk 0 in ${differ.join(', ')}; its streams cannot be joined`;
    }
  }
  return null;
}
