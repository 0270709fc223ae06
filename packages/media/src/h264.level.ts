// The H.264 level of a rendition, chosen here rather than left to x264, so the HLS master playlist can state the
// exact CODECS string (`avc1.64001f`) without probing the output.

interface Level {
  idc: number;
  /** Macroblocks per second, macroblocks per frame, max bitrate and CPB size in kbit/s for Baseline/Main. */
  maxMbps: number;
  maxFs: number;
  maxBr: number;
  maxCpb: number;
}

// ITU-T H.264 Table A-1 (level 1b omitted: nothing of ours is that small and fast at once).
const levels: Level[] = [
  { idc: 10, maxMbps: 1485, maxFs: 99, maxBr: 64, maxCpb: 175 },
  { idc: 11, maxMbps: 3000, maxFs: 396, maxBr: 192, maxCpb: 500 },
  { idc: 12, maxMbps: 6000, maxFs: 396, maxBr: 384, maxCpb: 1000 },
  { idc: 13, maxMbps: 11880, maxFs: 396, maxBr: 768, maxCpb: 2000 },
  { idc: 20, maxMbps: 11880, maxFs: 396, maxBr: 2000, maxCpb: 2000 },
  { idc: 21, maxMbps: 19800, maxFs: 792, maxBr: 4000, maxCpb: 4000 },
  { idc: 22, maxMbps: 20250, maxFs: 1620, maxBr: 4000, maxCpb: 4000 },
  { idc: 30, maxMbps: 40500, maxFs: 1620, maxBr: 10000, maxCpb: 10000 },
  { idc: 31, maxMbps: 108000, maxFs: 3600, maxBr: 14000, maxCpb: 14000 },
  { idc: 32, maxMbps: 216000, maxFs: 5120, maxBr: 20000, maxCpb: 20000 },
  { idc: 40, maxMbps: 245760, maxFs: 8192, maxBr: 20000, maxCpb: 25000 },
  { idc: 41, maxMbps: 245760, maxFs: 8192, maxBr: 50000, maxCpb: 62500 },
  { idc: 42, maxMbps: 522240, maxFs: 8704, maxBr: 50000, maxCpb: 62500 },
  { idc: 50, maxMbps: 589824, maxFs: 22080, maxBr: 135000, maxCpb: 135000 },
  { idc: 51, maxMbps: 983040, maxFs: 36864, maxBr: 240000, maxCpb: 240000 },
  { idc: 52, maxMbps: 2073600, maxFs: 36864, maxBr: 240000, maxCpb: 240000 },
  { idc: 60, maxMbps: 4177920, maxFs: 139264, maxBr: 240000, maxCpb: 240000 },
  { idc: 61, maxMbps: 8355840, maxFs: 139264, maxBr: 480000, maxCpb: 480000 },
  { idc: 62, maxMbps: 16711680, maxFs: 139264, maxBr: 800000, maxCpb: 800000 },
];

/**
 * The highest level an output may need: level 5.1 is where mainstream hardware decoders (phones, TVs, browsers'
 * hardware paths) stop, so the planner shrinks every picture to fit its frame size and macroblock rate.
 */
export const MAX_OUTPUT_LEVEL = { idc: 51, name: '5.1', maxFs: 36864, maxMbps: 983040 } as const;

/** Whether a picture of this size at this rate fits a level's frame size, side length and macroblock rate (A.3.1). */
export function fitsLevel(
  r: { width: number; height: number; fps: number },
  level: { maxFs: number; maxMbps: number },
): boolean {
  const mbW = Math.ceil(r.width / 16);
  const mbH = Math.ceil(r.height / 16);
  const fs = mbW * mbH;
  // Neither side may exceed sqrt(8 × MaxFS) macroblocks, which bounds very wide frames.
  return fs <= level.maxFs && Math.max(mbW, mbH) ** 2 <= 8 * level.maxFs && fs * r.fps <= level.maxMbps;
}

/** High profile allows 1.25× the Baseline/Main bitrate and CPB. */
const HIGH_FACTOR = 1.25;

/** The lowest level (as x264 writes it: `3.1`) that holds this size, frame rate and VBV. */
export function h264Level(r: { width: number; height: number; fps: number; maxKbps: number; bufsizeKbps: number }) {
  const level = levels.find(
    (l) => fitsLevel(r, l) && r.maxKbps <= l.maxBr * HIGH_FACTOR && r.bufsizeKbps <= l.maxCpb * HIGH_FACTOR,
  );
  const idc = (level ?? levels[levels.length - 1])?.idc ?? 62;
  return { idc, name: `${Math.floor(idc / 10)}.${idc % 10}` };
}

/** RFC 6381 codec string of an H.264 High profile stream (profile_idc 100, no constraint flags). */
export const avc1HighCodec = (levelIdc: number) => `avc1.6400${levelIdc.toString(16).padStart(2, '0')}`;

/** AAC-LC. */
export const AAC_LC_CODEC = 'mp4a.40.2';
