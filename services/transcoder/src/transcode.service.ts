// The pipeline both modes share: size check → probe → validate → plan → one ffmpeg run → master playlist and
// storyboard index → the manifest (a VideoTranscodedV1 whose keys are paths relative to the output folder).
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { AppError, VideoTranscodedV1 } from '@reelforge/contracts';
import {
  buildFfmpegArgs,
  buildMasterPlaylist,
  buildStoryboardVtt,
  checkInputSize,
  type InputLimits,
  type LadderPlan,
  type LadderProfile,
  type MediaLogger,
  outputFiles,
  planLadder,
  probeInput,
  renditionPaths,
  runFfmpeg,
  validateProbe,
} from '@reelforge/media';

export interface TranscodeOptions {
  videoId: string;
  attempt: number;
  profile: LadderProfile;
  limits: InputLimits;
  /** Overrides the profile's longest output side (MAX_OUTPUT_SIDE). */
  maxOutputSide?: number;
  /** x264 threads per rung (0: x264 decides). */
  threads: number;
  timeoutMs: number;
  logger: MediaLogger;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  /** Called once the source is probed, accepted and planned, before the encode starts. */
  onPlanned?: (source: PlannedSource) => void;
  ffmpegPath?: string;
  ffprobePath?: string;
}

/** What is known about the work once the source is accepted: its real duration, size and frames to encode. */
export interface PlannedSource {
  durationSec: number;
  width: number;
  height: number;
  frameCount: number | null;
}

export interface TranscodeResult {
  /** Keys are paths relative to the output folder. */
  manifest: VideoTranscodedV1;
  /** Every file written, relative to the output folder, sorted. */
  files: string[];
  plan: LadderPlan;
}

/**
 * Transcodes `input` into `outDir`, which must not exist yet. A refusal throws before anything is created; any
 * later failure removes `outDir` again, so a caller finds either complete outputs or none.
 */
export async function transcodeFile(input: string, outDir: string, opts: TranscodeOptions): Promise<TranscodeResult> {
  const plan = await acceptSource(input, opts);
  opts.onPlanned?.(plannedSource(plan));
  return encodeWhole(input, outDir, plan, opts);
}

/** Size check → probe → validate → plan: every refusal of the source, before anything is written. */
export async function acceptSource(
  input: string,
  opts: Pick<TranscodeOptions, 'limits' | 'profile' | 'maxOutputSide' | 'logger' | 'signal' | 'ffprobePath'>,
): Promise<LadderPlan> {
  const { size } = await stat(input);
  const sizeError = checkInputSize(size, opts.limits);
  if (sizeError) throw sizeError;

  const probe = await probeInput(input, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.ffprobePath ? { ffprobePath: opts.ffprobePath } : {}),
  });
  const refusal = validateProbe(probe, opts.limits);
  if (refusal) throw refusal;
  // Refuses what no player could decode (UNSUPPORTED_DIMENSIONS), still before anything is written.
  const plan = planLadder(
    probe,
    opts.maxOutputSide ? { ...opts.profile, maxLongSide: opts.maxOutputSide } : opts.profile,
  );
  opts.logger.info(
    {
      source: { ...plan.source, durationSec: plan.durationSec, codec: probe.video?.codec, container: probe.formatName },
      renditions: plan.renditions.map((r) => `${r.width}x${r.height}`),
      fps: `${plan.fps.num}/${plan.fps.den}`,
    },
    'transcode planned',
  );
  return plan;
}

/** The whole ladder of an accepted source in one ffmpeg run (see transcodeFile). */
export async function encodeWhole(
  input: string,
  outDir: string,
  plan: LadderPlan,
  opts: TranscodeOptions,
): Promise<TranscodeResult> {
  await mkdir(dirname(outDir), { recursive: true });
  await mkdir(outDir);
  try {
    // The HLS muxer does not create the folders its segment pattern names.
    for (const r of plan.renditions) await mkdir(join(outDir, renditionPaths(r).dir));
    await runFfmpeg(buildFfmpegArgs(plan, { input, threads: opts.threads }), {
      cwd: outDir,
      durationSec: plan.durationSec,
      timeoutMs: opts.timeoutMs,
      budget: { maxFrames: plan.budget.maxFrames, maxWallMs: plan.budget.maxWallSec * 1000 },
      logger: opts.logger,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}),
    });
    const manifest = await finishLadder(plan, outDir, opts);
    return { manifest, files: await listFiles(outDir), plan };
  } catch (err) {
    await rm(outDir, { recursive: true, force: true });
    throw err;
  }
}

export function plannedSource(plan: Pick<LadderPlan, 'durationSec' | 'source' | 'fps'>): PlannedSource {
  const frames = (plan.durationSec * plan.fps.num) / plan.fps.den;
  return {
    durationSec: plan.durationSec,
    width: plan.source.width,
    height: plan.source.height,
    frameCount: Number.isFinite(frames) && frames > 0 ? Math.round(frames) : null,
  };
}

/**
 * The ladder's files are in `outDir` (from one run, or stitched): checks each is there, writes the master playlist
 * and the storyboard index, and returns the manifest.
 */
export async function finishLadder(
  plan: LadderPlan,
  outDir: string,
  opts: Pick<TranscodeOptions, 'videoId' | 'attempt'>,
): Promise<VideoTranscodedV1> {
  const expected = [
    outputFiles.poster,
    outputFiles.sprite,
    ...plan.renditions.flatMap((r) => [renditionPaths(r).playlist, renditionPaths(r).init, renditionPaths(r).mp4]),
  ];
  const sizes = new Map<string, number>();
  for (const file of expected) {
    const bytes = await stat(join(outDir, file)).then(
      (s) => s.size,
      () => 0,
    );
    // ffmpeg exiting 0 without an output happens when a stream decodes to no frames; never ship half a ladder.
    if (bytes === 0) throw new AppError('DECODE_ERROR', `the video decoded to nothing (no ${file})`);
    sizes.set(file, bytes);
  }

  const averageBps = (r: LadderPlan['renditions'][number]) =>
    ((sizes.get(renditionPaths(r).mp4) ?? 0) * 8) / Math.max(plan.durationSec, 0.001);
  await writeFile(
    join(outDir, outputFiles.master),
    buildMasterPlaylist(plan, Object.fromEntries(plan.renditions.map((r) => [r.name, averageBps(r)]))),
  );
  await writeFile(
    join(outDir, outputFiles.vtt),
    buildStoryboardVtt(plan.storyboard, plan.durationSec, outputFiles.sprite),
  );

  return VideoTranscodedV1.parse({
    version: 1,
    videoId: opts.videoId,
    attempt: opts.attempt,
    renditions: plan.renditions.map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      // What the rendition averages (video and audio), measured; its cap is in the master playlist.
      bitrateKbps: Math.max(1, Math.round(averageBps(r) / 1000)),
      codecs: r.codecs,
      mp4Key: renditionPaths(r).mp4,
      playlistKey: renditionPaths(r).playlist,
      bytes: sizes.get(renditionPaths(r).mp4) ?? 0,
    })),
    hlsMasterKey: outputFiles.master,
    posterKey: outputFiles.poster,
    thumbnails: {
      spriteKey: outputFiles.sprite,
      vttKey: outputFiles.vtt,
      intervalSec: plan.storyboard.intervalSec,
      tileWidth: plan.storyboard.tileWidth,
      tileHeight: plan.storyboard.tileHeight,
    },
    durationSec: Math.round(plan.durationSec * 1000) / 1000,
    source: { width: plan.source.width, height: plan.source.height, hasAudio: plan.audioStream !== null },
  });
}

export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** The manifest with every key under `prefix` (the attempt's folder in the processed bucket). */
export function prefixManifest(manifest: VideoTranscodedV1, prefix: string): VideoTranscodedV1 {
  const key = (k: string) => `${prefix}${k}`;
  return {
    ...manifest,
    renditions: manifest.renditions.map((r) => ({ ...r, mp4Key: key(r.mp4Key), playlistKey: key(r.playlistKey) })),
    hlsMasterKey: key(manifest.hlsMasterKey),
    posterKey: key(manifest.posterKey),
    thumbnails: {
      ...manifest.thumbnails,
      spriteKey: key(manifest.thumbnails.spriteKey),
      vttKey: key(manifest.thumbnails.vttKey),
    },
  };
}
