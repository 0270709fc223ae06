// Named encoding profiles: the rungs of the ladder and the encoder settings every rung shares. A job spec names
// one (`profile`); the planner turns it and a probed source into a concrete plan.
import { AppError } from '@reelforge/contracts';

export interface RungSpec {
  /** Height of a landscape rendition, width of a portrait one. */
  shortSide: number;
  /** The VBV cap (-maxrate) at up to 30 fps; bufsize is `bufsizeFactor` times it. */
  maxKbps: number;
}

export interface LadderProfile {
  name: string;
  /** Highest first. */
  rungs: RungSpec[];
  x264Preset: string;
  /** Capped CRF: quality-driven, with the rung's maxrate as a ceiling for players' bandwidth estimates. */
  crf: number;
  bufsizeFactor: number;
  /** Above 30 fps the caps grow by this factor: twice the frames need more than the same bits. */
  highFpsFactor: number;
  maxFps: number;
  /** Longest side of any rendition; larger pictures are scaled down to it (and to H.264 level 5.1). */
  maxLongSide: number;
  /** A picture whose short side would end below this after fitting is refused (`UNSUPPORTED_DIMENSIONS`). */
  minShortSide: number;
  /**
   * What one transcode may cost, from the probed duration and frame rate: its wall-clock budget is `startupSec`
   * plus `secondsPerFrame` for every frame the output may hold. Past it the input, not the machine, is to blame.
   */
  budget: { startupSec: number; secondsPerFrame: number };
  segmentSec: number;
  audio: { kbps: number; channels: number; sampleRate: number };
  storyboard: { tileLongSide: number; columns: number; maxTiles: number; minIntervalSec: number };
  /** The poster is the most representative frame of this part of the video (fractions of its duration). */
  poster: { fromFraction: number; toFraction: number; maxCandidates: number };
}

export const defaultProfile: LadderProfile = {
  name: 'default',
  rungs: [
    { shortSide: 1080, maxKbps: 5000 },
    { shortSide: 720, maxKbps: 2800 },
    { shortSide: 480, maxKbps: 1400 },
    { shortSide: 360, maxKbps: 800 },
  ],
  // veryfast: ~3× the speed of medium for a few % more bits at the same CRF; the caps bound the cost.
  x264Preset: 'veryfast',
  crf: 23,
  bufsizeFactor: 2,
  highFpsFactor: 1.5,
  maxFps: 60,
  // Where mainstream hardware decoders stop (4096 wide, as level 5.1 allows).
  maxLongSide: 4096,
  minShortSide: 64,
  // 1080p30 costs ~0.04 s a frame for the whole ladder on 2 vCPUs (BENCHMARKS.md); this allows about eight times that.
  budget: { startupSec: 60, secondsPerFrame: 1 / 3 },
  segmentSec: 2,
  audio: { kbps: 128, channels: 2, sampleRate: 48_000 },
  storyboard: { tileLongSide: 160, columns: 10, maxTiles: 100, minIntervalSec: 1 },
  // Past a fade-in or black intro (the first 10 %), wide enough that dark frames are a minority of the candidates.
  poster: { fromFraction: 0.1, toFraction: 0.4, maxCandidates: 30 },
};

export const ladderProfiles: Record<string, LadderProfile> = { default: defaultProfile };

export function resolveProfile(name: string): LadderProfile {
  const profile = ladderProfiles[name];
  if (!profile) throw new AppError('BAD_REQUEST', `unknown transcode profile "${name}"`);
  return profile;
}
