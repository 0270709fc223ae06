import { describe, expect, it } from 'vitest';
import { chunkFrames, planChunks } from './chunk.planner.js';

const at30 = { fps: { num: 30, den: 1 }, gopFrames: 60 };
const ntsc = { fps: { num: 30000, den: 1001 }, gopFrames: 60 };
const chunking = { thresholdSec: 60, chunkSec: 40, maxChunks: 10 };

describe('planChunks', () => {
  it('keeps a source up to the threshold in one task', () => {
    expect(planChunks({ ...at30, durationSec: 60 }, chunking)).toBeNull();
    expect(planChunks({ ...at30, durationSec: 59.9 }, chunking)).toBeNull();
  });

  it('cuts on whole segments of chunkSec, the last ending at the end', () => {
    expect(planChunks({ ...at30, durationSec: 120 }, chunking)).toEqual([
      { index: 0, startSec: 0, endSec: 40 },
      { index: 1, startSec: 40, endSec: 80 },
      { index: 2, startSec: 80, endSec: 120 },
    ]);
  });

  it('spreads the segments evenly and cuts on the first frame of a 2.002 s segment at 29.97 fps', () => {
    // 125 s is 62.4 segments → 63; 30 s is 15 segments → 5 chunks of 13, 13, 13, 12, 12 segments.
    expect(planChunks({ ...ntsc, durationSec: 125 }, { thresholdSec: 60, chunkSec: 30, maxChunks: 10 })).toEqual([
      { index: 0, startSec: 0, endSec: 26.026 },
      { index: 1, startSec: 26.026, endSec: 52.052 },
      { index: 2, startSec: 52.052, endSec: 78.078 },
      { index: 3, startSec: 78.078, endSec: 102.102 },
      { index: 4, startSec: 102.102, endSec: 125 },
    ]);
  });

  it('lengthens the chunks rather than exceed maxChunks', () => {
    expect(planChunks({ ...at30, durationSec: 600 }, { thresholdSec: 60, chunkSec: 10, maxChunks: 4 })).toEqual([
      { index: 0, startSec: 0, endSec: 150 },
      { index: 1, startSec: 150, endSec: 300 },
      { index: 2, startSec: 300, endSec: 450 },
      { index: 3, startSec: 450, endSec: 600 },
    ]);
  });

  it('never makes a chunk longer than chunkSec when maxChunks allows, and ends with the partial segment', () => {
    // 121.5 s is 61 segments (the last one 1.5 s); at most 20 a chunk → 4 chunks of 16, 15, 15 and 15 segments.
    expect(planChunks({ ...at30, durationSec: 121.5 }, chunking)).toEqual([
      { index: 0, startSec: 0, endSec: 32 },
      { index: 1, startSec: 32, endSec: 62 },
      { index: 2, startSec: 62, endSec: 92 },
      { index: 3, startSec: 92, endSec: 121.5 },
    ]);
  });

  it('keeps one task when the source is over the threshold but not two chunks long', () => {
    expect(planChunks({ ...at30, durationSec: 3 }, { thresholdSec: 1, chunkSec: 10, maxChunks: 10 })).toBeNull();
  });
});

describe('chunkFrames', () => {
  it('counts the frames of a range at the plan rate', () => {
    expect(chunkFrames(ntsc, { index: 1, startSec: 26.026, endSec: 52.052 })).toBe(780);
    expect(chunkFrames(at30, { index: 0, startSec: 0, endSec: 40 })).toBe(1200);
  });
});
