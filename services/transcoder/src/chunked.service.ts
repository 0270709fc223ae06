// The parts of a chunked transcode on local files, shared by the task modes and the CLI's `--chunks`: a chunk (every
// rung of one range), the aux part (audio once, poster, storyboard) and the stitch (stream copy into the layout
// `encodeWhole` writes). Every path is under one output folder, as under the attempt's prefix in the bucket.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '@reelforge/contracts';
import {
  buildAuxArgs,
  buildChunkArgs,
  buildConcatList,
  buildStitchArgs,
  type ChunkRange,
  type ChunkStreamParams,
  chunkDir,
  chunkFiles,
  chunkFrames,
  chunkMismatch,
  chunkRungFile,
  concatListFile,
  type LadderPlan,
  type MediaLogger,
  outputFiles,
  planChunks,
  renditionPaths,
  runFfmpeg,
} from '@reelforge/media';
import {
  acceptSource,
  encodeWhole,
  finishLadder,
  listFiles,
  type TranscodeOptions,
  type TranscodeResult,
} from './transcode.service.js';

/** What the planning part leaves for the others (`chunks/plan.json`): they encode and stitch by the same plan. */
export interface ChunkedPlan {
  plan: LadderPlan;
  chunks: ChunkRange[];
}

export interface PartOptions {
  threads: number;
  timeoutMs: number;
  logger: MediaLogger;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  ffmpegPath?: string;
}

const ffmpegOptions = (opts: PartOptions) => ({
  timeoutMs: opts.timeoutMs,
  logger: opts.logger,
  ...(opts.signal ? { signal: opts.signal } : {}),
  ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}),
});

export async function writePlanFile(outDir: string, chunked: ChunkedPlan): Promise<string> {
  await mkdir(join(outDir, chunkFiles.dir), { recursive: true });
  await writeFile(join(outDir, chunkFiles.plan), `${JSON.stringify(chunked)}\n`);
  return chunkFiles.plan;
}

export async function readPlanFile(outDir: string): Promise<ChunkedPlan> {
  return JSON.parse(await readFile(join(outDir, chunkFiles.plan), 'utf8')) as ChunkedPlan;
}

/**
 * Every rung's video of one chunk into `chunks/{index}/`; returns the files, relative to `outDir`. `input` may be the
 * source's URL: FFmpeg then reads the index and the chunk's range only.
 */
export async function encodeChunk(
  input: string | URL,
  outDir: string,
  chunked: ChunkedPlan,
  index: number,
  opts: PartOptions,
): Promise<string[]> {
  const { plan, chunks } = chunked;
  const chunk = chunks[index];
  if (!chunk) throw new AppError('INTERNAL', `the plan has no chunk ${index} (${chunks.length} chunks)`);
  const last = index === chunks.length - 1;
  await mkdir(join(outDir, chunkDir(index)), { recursive: true });
  const lengthSec = (last ? plan.durationSec : chunk.endSec) - chunk.startSec;
  // The whole run's budget, for this range: its frames (plus a segment) at the same cost per frame.
  const maxFrames = chunkFrames(plan, { ...chunk, endSec: chunk.startSec + lengthSec }) + plan.gopFrames;
  const wallMs = ((plan.budget.maxWallSec * 1000) / plan.budget.maxFrames) * maxFrames;
  await runFfmpeg(buildChunkArgs(plan, chunk, { input, threads: opts.threads, last }), {
    cwd: outDir,
    durationSec: lengthSec,
    budget: { maxFrames, maxWallMs: Math.ceil(60_000 + wallMs) },
    ...ffmpegOptions(opts),
  });
  const files = plan.renditions.map((r) => chunkRungFile(index, r));
  await expectWritten(outDir, files);
  return files;
}

/** The audio of the whole source, the poster and the storyboard into `chunks/aux/`; returns the files. */
export async function encodeAux(input: string, outDir: string, plan: LadderPlan, opts: PartOptions): Promise<string[]> {
  await mkdir(join(outDir, chunkFiles.auxDir), { recursive: true });
  await runFfmpeg(buildAuxArgs(plan, { input }), {
    cwd: outDir,
    durationSec: plan.durationSec,
    budget: { maxFrames: plan.budget.maxFrames, maxWallMs: plan.budget.maxWallSec * 1000 },
    ...ffmpegOptions(opts),
  });
  const files = auxFiles(plan);
  await expectWritten(outDir, files);
  return files;
}

const auxFiles = (plan: LadderPlan) => [
  ...(plan.audioStream === null ? [] : [chunkFiles.audio]),
  chunkFiles.poster,
  chunkFiles.sprite,
];

/** What the stitch reads, relative to the output folder. */
export const stitchInputs = (chunked: ChunkedPlan): string[] => [
  chunkFiles.plan,
  ...auxFiles(chunked.plan),
  ...chunked.chunks.flatMap((c) => chunked.plan.renditions.map((r) => chunkRungFile(c.index, r))),
];

/**
 * The chunks and aux in `outDir/chunks/` → the layout of a whole run in `outDir` by stream copy, then the master
 * playlist and the manifest; `chunks/` is removed. Refuses, before muxing anything, chunks whose rungs do not share
 * their parameter sets (a player would decode them with the wrong SPS/PPS).
 */
export async function stitchChunks(
  outDir: string,
  chunked: ChunkedPlan,
  opts: PartOptions & Pick<TranscodeOptions, 'videoId' | 'attempt'>,
): Promise<TranscodeResult> {
  const { plan, chunks } = chunked;
  await expectWritten(outDir, stitchInputs(chunked), partMissing);
  for (const r of plan.renditions) {
    const params = await Promise.all(chunks.map((c) => streamParams(join(outDir, chunkRungFile(c.index, r)))));
    const mismatch = chunkMismatch(r.name, params);
    if (mismatch) throw new AppError('TRANSCODE_FAILED', `the chunks cannot be stitched: ${mismatch}`);
    await writeFile(join(outDir, concatListFile(r)), buildConcatList(r, chunks.length));
    await mkdir(join(outDir, renditionPaths(r).dir), { recursive: true });
  }
  await runFfmpeg(buildStitchArgs(plan, chunks.length), {
    cwd: outDir,
    durationSec: plan.durationSec,
    ...ffmpegOptions(opts),
  });
  await copyFile(join(outDir, chunkFiles.poster), join(outDir, outputFiles.poster));
  await copyFile(join(outDir, chunkFiles.sprite), join(outDir, outputFiles.sprite));
  await rm(join(outDir, chunkFiles.dir), { recursive: true, force: true });
  const manifest = await finishLadder(plan, outDir, opts);
  return { manifest, files: await listFiles(outDir), plan };
}

export interface ChunkedFileOptions extends TranscodeOptions {
  /** How many chunks to cut the source into (fewer when it is too short for that many whole segments). */
  chunks: number;
}

/**
 * The CLI's `--chunks N`: the chunked path on one machine, every chunk and the aux part as parallel ffmpeg runs,
 * then the stitch, into `outDir` (which must not exist yet; removed again on failure). A source too short for two
 * chunks is transcoded whole: the layout is the same either way.
 */
export async function transcodeChunkedFile(
  input: string,
  outDir: string,
  opts: ChunkedFileOptions,
): Promise<TranscodeResult & { chunks: ChunkRange[] }> {
  const plan = await acceptSource(input, opts);
  const chunks = planChunks(plan, {
    thresholdSec: 0,
    chunkSec: plan.durationSec / opts.chunks,
    maxChunks: Math.max(2, opts.chunks),
  });
  if (!chunks) return { ...(await encodeWhole(input, outDir, plan, opts)), chunks: [] };
  opts.logger.info({ chunks: chunks.length }, 'transcode chunked');

  await mkdir(dirname(outDir), { recursive: true });
  await mkdir(outDir);
  try {
    const chunked = { plan, chunks };
    await writePlanFile(outDir, chunked);
    const done = new Array<number>(chunks.length + 1).fill(0);
    const partProgress = (i: number) => (percent: number) => {
      done[i] = percent;
      opts.onProgress?.(done.reduce((a, b) => a + b, 0) / done.length);
    };
    const { onProgress: _, ...partOpts } = opts;
    await Promise.all([
      encodeAux(input, outDir, plan, { ...partOpts, onProgress: partProgress(chunks.length) }),
      ...chunks.map((c) =>
        encodeChunk(input, outDir, chunked, c.index, { ...partOpts, onProgress: partProgress(c.index) }),
      ),
    ]);
    return { ...(await stitchChunks(outDir, chunked, partOpts)), chunks };
  } catch (err) {
    await rm(outDir, { recursive: true, force: true });
    throw err;
  }
}

/** ffmpeg exiting 0 without an output happens when a stream decodes to no frames: the input's fault. */
async function expectWritten(outDir: string, files: string[], missing = decodedToNothing): Promise<void> {
  for (const file of files) {
    const bytes = await stat(join(outDir, file)).then(
      (s) => s.size,
      () => 0,
    );
    if (bytes === 0) throw missing(file);
  }
}
const decodedToNothing = (file: string) => new AppError('DECODE_ERROR', `the video decoded to nothing (no ${file})`);
// A part's output missing at the stitch is the pipeline's trouble (a lost upload), not the video's.
const partMissing = (file: string) => new AppError('TRANSCODE_FAILED', `the stitch found no ${file}`);

const run = promisify(execFile);

async function streamParams(path: string): Promise<ChunkStreamParams> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-protocol_whitelist', 'file', '-show_data_hash', 'sha256', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=codec_name,profile,level,width,height,pix_fmt,extradata_hash', '-of', 'json'],
    `file:${path}`,
  ]);
  const stream = (JSON.parse(stdout) as { streams: ChunkStreamParams[] }).streams[0];
  if (!stream) throw new AppError('TRANSCODE_FAILED', 'a chunk holds no video stream');
  return stream;
}
