// The HLS master playlist, written by us rather than by ffmpeg's hls muxer: the tee muxer writes each rung as its
// own HLS output, and only the plan knows the whole ladder (bandwidth caps, resolutions, codec strings).
import { renditionPaths } from './ffmpeg.args.js';
import type { LadderPlan } from './ladder.planner.js';
import { ratioValue } from './ratio.js';

/** `averageBandwidth`: measured bits per second per rendition name, when the outputs are known. */
export function buildMasterPlaylist(plan: LadderPlan, averageBandwidth: Record<string, number> = {}): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const r of plan.renditions) {
    const attrs = [`BANDWIDTH=${r.bandwidth}`];
    const average = averageBandwidth[r.name];
    if (average !== undefined) attrs.push(`AVERAGE-BANDWIDTH=${Math.round(average)}`);
    attrs.push(
      `RESOLUTION=${r.width}x${r.height}`,
      `FRAME-RATE=${ratioValue(plan.fps).toFixed(3)}`,
      `CODECS="${r.codecs}"`,
    );
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, renditionPaths(r).playlist);
  }
  return `${lines.join('\n')}\n`;
}
