// Pure: a probed source and a profile → every number of the transcode (rungs, bitrates, levels, frame rate, GOP,
// filters, poster window, storyboard grid, what it may cost). Nothing here runs anything, so every decision is
// unit-tested.
import { AppError } from '@reelforge/contracts';
import type { Container } from './container.sniffer.js';
import { AAC_LC_CODEC, avc1HighCodec, fitsLevel, h264Level, MAX_OUTPUT_LEVEL } from './h264.level.js';
import type { LadderProfile } from './ladder.profile.js';
import type { ProbeResult } from './probe.js';
import { type Ratio, ratioValue, reduce } from './ratio.js';

export interface Rendition {
  /** `720p`: named by its short side, so a portrait 720x1280 is `720p` too. */
  name: string;
  width: number;
  height: number;
  maxKbps: number;
  bufsizeKbps: number;
  /** H.264 level as x264 takes it, e.g. `3.1`. */
  level: string;
  /** RFC 6381 CODECS of the rendition (video, plus audio when there is any). */
  codecs: string;
  /** Peak bits per second for the HLS master: the video cap plus the audio bitrate. */
  bandwidth: number;
}

export interface ToneMap {
  transfer: string;
  primaries: string;
  matrix: string;
}

export interface PosterPlan {
  startSec: number;
  endSec: number;
  /** Every `step`-th frame of the window is a candidate; `candidates` of them are compared. */
  step: number;
  candidates: number;
}

export interface StoryboardPlan {
  intervalSec: number;
  count: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

export interface LadderPlan {
  container: Container;
  videoStream: number;
  audioStream: number | null;
  durationSec: number;
  /** No output runs longer than this (the probed duration plus a segment), whatever the packets' timestamps say. */
  maxOutputSec: number;
  /** Past either, FFmpeg is stopped and the input refused: frames encoded (first rung) and wall-clock seconds. */
  budget: { maxFrames: number; maxWallSec: number };
  /** As displayed: rotation applied, pixels square. */
  source: { width: number; height: number };
  fps: Ratio;
  gopFrames: number;
  segmentSec: number;
  deinterlace: boolean;
  toneMap: ToneMap | null;
  /** One scale to the top rung (square pixels) before the split; null when decoded frames already are that. */
  prescale: { width: number; height: number } | null;
  /** Highest first; the first is what `prescale` produces. */
  renditions: Rendition[];
  audio: LadderProfile['audio'] | null;
  encoder: { preset: string; crf: number };
  poster: PosterPlan;
  storyboard: StoryboardPlan;
}

// Rates a drifting VFR average snaps to (within 2 %), so a phone's 30.3 fps average becomes a clean 30.
// 120 and 240 are here so a high-speed source is recognised before it is divided down to the cap.
const standardRates: Ratio[] = [
  { num: 10, den: 1 },
  { num: 12, den: 1 },
  { num: 15, den: 1 },
  { num: 20, den: 1 },
  { num: 24000, den: 1001 },
  { num: 24, den: 1 },
  { num: 25, den: 1 },
  { num: 30000, den: 1001 },
  { num: 30, den: 1 },
  { num: 48, den: 1 },
  { num: 50, den: 1 },
  { num: 60000, den: 1001 },
  { num: 60, den: 1 },
  { num: 120000, den: 1001 },
  { num: 120, den: 1 },
  { num: 240, den: 1 },
];
const HDR_TRANSFERS = new Set(['smpte2084', 'arib-std-b67']);
const INTERLACED = new Set(['tt', 'bb', 'tb', 'bt']);

export function planLadder(probe: ProbeResult, profile: LadderProfile): LadderPlan {
  const video = probe.video;
  if (!video) throw new AppError('NO_VIDEO_STREAM', 'the file has no video stream');
  const durationSec = probe.durationSec;
  if (durationSec === null) throw new AppError('CORRUPT_INPUT', 'the duration of the video cannot be read');

  // A sample aspect ratio outside 1:4…4:1 is a broken header, not a real anamorphic format.
  const sarValue = ratioValue(video.sar);
  const sar = sarValue >= 0.25 && sarValue <= 4 ? sarValue : 1;
  const quarterTurn = video.rotation % 180 === 90;
  // Anamorphic frames are stretched horizontally to square pixels, keeping every stored line.
  const display = quarterTurn
    ? { width: video.height, height: video.width * sar }
    : { width: video.width * sar, height: video.height };

  const fps = chooseFrameRate({ avg: video.avgFrameRate, base: video.rFrameRate }, profile.maxFps);
  const fpsValue = ratioValue(fps);
  const fitted = fitOutput(display, fpsValue, profile.maxLongSide);
  if (Math.min(fitted.width, fitted.height) < profile.minShortSide) {
    const stored = `${video.width}x${video.height}`;
    throw new AppError(
      'UNSUPPORTED_DIMENSIONS',
      `the video is ${stored}; fitted within ${profile.maxLongSide} px and H.264 level ${MAX_OUTPUT_LEVEL.name} ` +
        `its short side would be under ${profile.minShortSide} px`,
    );
  }
  const audio = probe.audio ? profile.audio : null;
  const renditions = planRungs(fitted, fpsValue, profile, audio?.kbps ?? null);
  const top = renditions[0] as Rendition;

  const decoded = quarterTurn
    ? { width: video.height, height: video.width }
    : { width: video.width, height: video.height };
  const needsPrescale = decoded.width !== top.width || decoded.height !== top.height || sar !== 1;

  return {
    container: probe.container,
    videoStream: video.index,
    audioStream: probe.audio?.index ?? null,
    durationSec,
    maxOutputSec: round3(durationSec + profile.segmentSec),
    budget: planBudget(durationSec + 2 * profile.segmentSec, fpsValue, profile.budget),
    source: { width: Math.round(display.width), height: Math.round(display.height) },
    fps,
    gopFrames: Math.max(1, Math.round(profile.segmentSec * fpsValue)),
    segmentSec: profile.segmentSec,
    deinterlace: video.fieldOrder !== null && INTERLACED.has(video.fieldOrder),
    toneMap:
      video.colorTransfer && HDR_TRANSFERS.has(video.colorTransfer)
        ? {
            transfer: video.colorTransfer,
            primaries: video.colorPrimaries ?? 'bt2020',
            matrix: video.colorSpace ?? 'bt2020nc',
          }
        : null,
    prescale: needsPrescale ? { width: top.width, height: top.height } : null,
    renditions,
    audio,
    encoder: { preset: profile.x264Preset, crf: profile.crf },
    poster: planPoster(durationSec, fpsValue, profile.poster),
    storyboard: planStoryboard(durationSec, top, profile.storyboard),
  };
}

/**
 * The source's own rate as constant frames. A VFR stream has a nominal rate (ffprobe's r_frame_rate, e.g. 30) and
 * a lower average (frames dropped or held); the nominal one is the source rate when it is a standard rate not far
 * above the average. Otherwise the average, snapped to a standard rate when within 2 %. Above the cap the rate is
 * divided by a whole number, which keeps the kept frames evenly spaced (120 → 60, 100 → 50).
 */
export function chooseFrameRate(source: { avg: Ratio | null; base: Ratio | null }, maxFps: number): Ratio {
  const { avg, base } = source;
  const nominal = base ? nearestStandard(base) : null;
  let rate =
    nominal && (!avg || ratioValue(nominal) <= ratioValue(avg) * 1.5)
      ? nominal
      : snapRate(avg ?? base ?? { num: 30, den: 1 });
  const divisor = Math.ceil(ratioValue(rate) / maxFps - 1e-9);
  if (divisor > 1) rate = snapRate(reduce({ num: rate.num, den: rate.den * divisor }));
  return rate;
}

const snapRate = (rate: Ratio): Ratio =>
  nearestStandard(rate) ?? reduce({ num: Math.round(ratioValue(rate) * 1000), den: 1000 });

function nearestStandard(rate: Ratio): Ratio | null {
  const v = ratioValue(rate);
  const off = (s: Ratio) => Math.abs(ratioValue(s) - v) / ratioValue(s);
  let best: Ratio | null = null;
  for (const s of standardRates) if (off(s) <= 0.02 && (!best || off(s) < off(best))) best = s;
  return best;
}

/**
 * The largest picture of the source's shape that every player can decode: within the longest side and H.264 level
 * 5.1's frame size and macroblock rate at this frame rate. A source that already fits is returned as it is; a
 * shrunk one comes back in even pixels, sized so the rounding up to whole macroblocks still fits.
 */
export function fitOutput(
  display: { width: number; height: number },
  fps: number,
  maxLongSide: number,
): { width: number; height: number } {
  const portrait = display.height > display.width;
  const short = Math.min(display.width, display.height);
  const long = Math.max(display.width, display.height);
  const fits = (s: number, l: number) =>
    l <= maxLongSide && fitsLevel({ width: portrait ? s : l, height: portrait ? l : s, fps }, MAX_OUTPUT_LEVEL);
  if (fits(short, long)) return display;

  const maxMbs = Math.min(MAX_OUTPUT_LEVEL.maxFs, MAX_OUTPUT_LEVEL.maxMbps / fps);
  const maxSide = Math.floor(Math.sqrt(8 * MAX_OUTPUT_LEVEL.maxFs)) * 16;
  const scale = Math.min(1, maxLongSide / long, maxSide / long, Math.sqrt((maxMbs * 256) / (short * long)));
  const longFor = (s: number) => Math.min(floorEven(long), roundEven((s * long) / short));
  let s = floorEven(short * scale);
  while (s > 0 && !fits(s, longFor(s))) s -= 2;
  const l = s > 0 ? longFor(s) : 0;
  return portrait ? { width: s, height: l } : { width: l, height: s };
}

function planRungs(
  display: { width: number; height: number },
  fps: number,
  profile: LadderProfile,
  audioKbps: number | null,
): Rendition[] {
  const portrait = display.height > display.width;
  const short = Math.min(display.width, display.height);
  const long = Math.max(display.width, display.height);
  const specs = [...profile.rungs].sort((a, b) => b.shortSide - a.shortSide);
  const topSpec = specs[0];
  if (!topSpec) throw new AppError('INTERNAL', `profile ${profile.name} has no rungs`);

  // Never upscale: below the top rung, the source's own size leads and only smaller rungs follow it.
  const sourceSide = Math.max(2, floorEven(short));
  const sides =
    short >= topSpec.shortSide
      ? specs
      : [{ shortSide: sourceSide, maxKbps: 0 }, ...specs.filter((s) => s.shortSide < sourceSide)];

  return sides.map(({ shortSide }) => {
    const longSide = Math.min(roundEven((shortSide * long) / short), Math.max(2, floorEven(long)));
    const width = portrait ? shortSide : longSide;
    const height = portrait ? longSide : shortSide;
    const maxKbps = Math.round(capAt30(shortSide, specs) * (fps > 30 ? profile.highFpsFactor : 1));
    const bufsizeKbps = Math.round(maxKbps * profile.bufsizeFactor);
    const level = h264Level({ width, height, fps, maxKbps, bufsizeKbps });
    return {
      name: `${shortSide}p`,
      width,
      height,
      maxKbps,
      bufsizeKbps,
      level: level.name,
      codecs: audioKbps === null ? avc1HighCodec(level.idc) : `${avc1HighCodec(level.idc)},${AAC_LC_CODEC}`,
      bandwidth: (maxKbps + (audioKbps ?? 0)) * 1000,
    };
  });
}

/** A profile rung's cap, or for a size between rungs the next larger rung's cap scaled by the pixel count. */
function capAt30(shortSide: number, specs: { shortSide: number; maxKbps: number }[]): number {
  const above = [...specs].reverse().find((s) => s.shortSide >= shortSide) ?? specs[0];
  if (!above) return 0;
  return above.shortSide === shortSide ? above.maxKbps : above.maxKbps * (shortSide / above.shortSide) ** 2;
}

function planBudget(outputSec: number, fps: number, b: LadderProfile['budget']): LadderPlan['budget'] {
  const maxFrames = Math.ceil(outputSec * fps);
  return { maxFrames, maxWallSec: Math.ceil(b.startupSec + maxFrames * b.secondsPerFrame) };
}

function planPoster(durationSec: number, fps: number, p: LadderProfile['poster']): PosterPlan {
  const startSec = round3(durationSec * p.fromFraction);
  // At least one frame long, never past the end.
  const endSec = round3(Math.min(durationSec, Math.max(durationSec * p.toFraction, startSec + 1 / fps)));
  const windowFrames = Math.max(1, Math.round((endSec - startSec) * fps));
  // Candidates spread over the window; the thumbnail filter holds them all in memory at the top rung's size.
  const step = Math.max(1, Math.floor(windowFrames / p.maxCandidates));
  // The thumbnail filter compares at least 2 frames; with fewer in the window it picks from what it got.
  const candidates = Math.max(2, Math.min(p.maxCandidates, Math.ceil(windowFrames / step)));
  return { startSec, endSec, step, candidates };
}

function planStoryboard(
  durationSec: number,
  top: { width: number; height: number },
  s: LadderProfile['storyboard'],
): StoryboardPlan {
  const intervalSec = Math.max(s.minIntervalSec, Math.ceil(durationSec / s.maxTiles));
  const count = Math.max(1, Math.ceil(durationSec / intervalSec - 1e-9));
  const columns = Math.min(s.columns, count);
  const landscape = top.width >= top.height;
  return {
    intervalSec,
    count,
    columns,
    rows: Math.ceil(count / columns),
    tileWidth: landscape ? s.tileLongSide : roundEven((s.tileLongSide * top.width) / top.height),
    tileHeight: landscape ? roundEven((s.tileLongSide * top.height) / top.width) : s.tileLongSide,
  };
}

const floorEven = (v: number) => Math.floor(v / 2) * 2;
const roundEven = (v: number) => Math.max(2, Math.round(v / 2) * 2);
const round3 = (v: number) => Math.round(v * 1000) / 1000;
