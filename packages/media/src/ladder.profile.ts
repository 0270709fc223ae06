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
