// The WebVTT index of the storyboard sprite: one cue per tile, pointing at it with a `#xywh=` media fragment, which
// is what players (Video.js, Shaka, JW, Vidstack) read for scrubbing previews.
import type { StoryboardPlan } from './ladder.planner.js';

export function buildStoryboardVtt(plan: StoryboardPlan, durationSec: number, spriteUrl: string): string {
  const cues: string[] = ['WEBVTT', ''];
  for (let i = 0; i < plan.count; i++) {
    const start = i * plan.intervalSec;
    const end = Math.min((i + 1) * plan.intervalSec, durationSec);
    const x = (i % plan.columns) * plan.tileWidth;
    const y = Math.floor(i / plan.columns) * plan.tileHeight;
    cues.push(
      `${vttTime(start)} --> ${vttTime(end)}`,
      `${spriteUrl}#xywh=${x},${y},${plan.tileWidth},${plan.tileHeight}`,
      '',
    );
  }
  return cues.join('\n');
}

function vttTime(sec: number): string {
  const ms = Math.round(sec * 1000);
  const pad = (v: number, n = 2) => String(v).padStart(n, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}
