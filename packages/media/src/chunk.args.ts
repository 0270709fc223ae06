// Pure: the ffmpeg commands of a chunked job's parts, and where they write (relative to the attempt's output folder,
// which is also ffmpeg's working directory). A chunk encodes every rung of one range with the whole ladder's
// filters and encoder settings; the aux part encodes the audio once and makes the poster and the storyboard.
import { type ChunkRange, chunkFrames } from './chunk.planner.js';
import { audioEncoderArgs, buildFilterGraph, ffmpegHeader, imageOutputArgs, videoEncoderArgs } from './ffmpeg.args.js';
import type { LadderPlan, Rendition } from './ladder.planner.js';
import { safeInputArgs } from './probe.js';

/** The parts' files under the attempt's prefix; the stitch reads them and the finished video no longer needs them. */
export const chunkFiles = {
  dir: 'chunks/',
  /** The ladder plan and the chunks, written by the planning task for the chunk tasks and the stitch. */
  plan: 'chunks/plan.json',
  auxDir: 'chunks/aux',
  audio: 'chunks/aux/audio.m4a',
  poster: 'chunks/aux/poster.jpg',
  sprite: 'chunks/aux/storyboard.jpg',
} as const;

export const chunkDir = (index: number) => `${chunkFiles.dir}${index}`;
/** One rung's video of one chunk: a plain MP4, video only. */
export const chunkRungFile = (index: number, r: Pick<Rendition, 'name'>) => `${chunkDir(index)}/${r.name}.mp4`;

export interface ChunkArgsOptions {
  /** The source: a local path, or its URL (a chunk reads only its range of it). */
  input: string | URL;
  threads: number;
  /** The last chunk runs to the end of the source, as a whole task does; the others stop at their frame count. */
  last: boolean;
}

export function buildChunkArgs(plan: LadderPlan, chunk: ChunkRange, opts: ChunkArgsOptions): string[] {
  // -ss before -i seeks to the keyframe before the start and decodes from there, dropping what precedes the start
  // (accurate seek), and shifts the timestamps so the start is 0: the fps filter then lays the same frame grid as a
  // whole run, whose frame at the start is this chunk's first. Chunk 0 seeks nowhere, exactly as a whole run.
  const seek = chunk.startSec > 0 ? ['-ss', String(chunk.startSec)] : [];
  const end = opts.last
    ? ['-t', String(round3(plan.maxOutputSec - chunk.startSec))]
    : ['-frames:v', String(chunkFrames(plan, chunk))];
  const args = [
    ...ffmpegHeader,
    ...seek,
    ...safeInputArgs(plan.container, opts.input),
    '-filter_complex',
    buildFilterGraph(plan, false),
  ];
  for (let i = 0; i < plan.renditions.length; i++) args.push('-map', `[v${i}]`);
  const targets = plan.renditions.map((r, i) => `[select=\\'v:${i}\\':f=mp4]${chunkRungFile(chunk.index, r)}`);
  args.push(
    ...videoEncoderArgs(plan),
    '-threads',
    String(opts.threads),
    '-fps_mode',
    'passthrough',
    // As the whole run: parameter sets out of band only, so the chunks' streams concatenate into the same bitstream.
    '-flags',
    '+global_header',
    ...end,
    '-f',
    'tee',
    targets.join('|'),
  );
  return args;
}

/**
 * The light pass: the audio of the whole source encoded once, and the poster and the storyboard from its keyframes
 * only. Decoding every frame again (the chunks decode them) cost 16 % of a single run's CPU on a 720p source; the
 * images then come from the keyframes (every 1–10 s in real uploads) instead of any frame, the fps filter repeating
 * each until the next.
 */
export function buildAuxArgs(plan: LadderPlan, opts: { input: string }): string[] {
  const audio =
    plan.audioStream === null
      ? []
      : [
          ...['-map', `0:${plan.audioStream}`, ...audioEncoderArgs(plan)],
          ...['-t', String(plan.maxOutputSec), '-f', 'mp4', chunkFiles.audio],
        ];
  return [
    ...ffmpegHeader,
    '-skip_frame:v',
    'nokey',
    ...safeInputArgs(plan.container, opts.input),
    '-filter_complex',
    buildFilterGraph(plan, true, false),
    ...audio,
    ...imageOutputArgs(plan, chunkFiles),
  ];
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
