// Pure: where a long source is cut into chunks that separate tasks encode. Cuts fall on segment boundaries, where
// every rung of the whole ladder has a keyframe, so the stitched chunks are the ladder a single task would write.
import type { ChunkingV1 } from '@reelforge/contracts';
import type { LadderPlan } from './ladder.planner.js';
import { ratioValue } from './ratio.js';

/** [startSec, endSec) of the source's timeline; the last chunk ends at the source's end. */
export interface ChunkRange {
  index: number;
  startSec: number;
  endSec: number;
}

/**
 * The chunks of a source, or null when it stays one task: not longer than the threshold, or too short for two
 * chunks. Each chunk is a whole number of segments, as close to `chunkSec` as `maxChunks` allows, and the chunks
 * differ by at most one segment (the longest chunk is what a wide fleet waits for).
 */
export function planChunks(
  plan: Pick<LadderPlan, 'durationSec' | 'fps' | 'gopFrames'>,
  chunking: ChunkingV1,
): ChunkRange[] | null {
  if (plan.durationSec <= chunking.thresholdSec) return null;
  const fps = ratioValue(plan.fps);
  const segmentSec = plan.gopFrames / fps;
  const segments = Math.ceil(plan.durationSec / segmentSec - 1e-9);
  let perChunk = Math.max(1, Math.round(chunking.chunkSec / segmentSec));
  if (Math.ceil(segments / perChunk) > chunking.maxChunks) perChunk = Math.ceil(segments / chunking.maxChunks);
  const count = Math.ceil(segments / perChunk);
  if (count < 2) return null;

  // Spread the segments evenly: the first `extra` chunks take one more.
  const base = Math.floor(segments / count);
  const extra = segments % count;
  const chunks: ChunkRange[] = [];
  let segment = 0;
  for (let index = 0; index < count; index++) {
    const next = segment + base + (index < extra ? 1 : 0);
    chunks.push({
      index,
      startSec: segmentStartSec(plan, segment),
      endSec: index === count - 1 ? plan.durationSec : segmentStartSec(plan, next),
    });
    segment = next;
  }
  return chunks;
}

/** Frames of a chunk that is not the last (the last runs to the source's end, as a whole task does). */
export const chunkFrames = (plan: Pick<LadderPlan, 'fps'>, chunk: ChunkRange): number =>
  Math.round(((chunk.endSec - chunk.startSec) * plan.fps.num) / plan.fps.den);

// Exact to the microsecond: at 30000/1001 fps a segment is 2.002 s, and the cut must land on its first frame.
const segmentStartSec = (plan: Pick<LadderPlan, 'fps' | 'gopFrames'>, segment: number) =>
  Math.round(((segment * plan.gopFrames * plan.fps.den) / plan.fps.num) * 1e6) / 1e6;
