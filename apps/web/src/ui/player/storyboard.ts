// The storyboard WebVTT the transcoder writes (one cue per interval, `sprite.jpg#xywh=x,y,w,h`) read into tiles, so
// the seek bar can show the frame near the time under the pointer. Sprite paths are relative to the VTT, which keeps
// a private video's token path segment.
export interface Tile {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

const TIMING = /^(\S+)\s+-->\s+(\S+)/;
const XYWH = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/;

/** `hh:mm:ss.mmm` or `mm:ss.mmm` in seconds; NaN when malformed. */
export function vttTime(text: string): number {
  const parts = text.split(':').map(Number);
  if (parts.length < 2 || parts.length > 3 || parts.some((n) => !Number.isFinite(n))) return Number.NaN;
  return parts.reduce((total, n) => total * 60 + n, 0);
}

export function parseStoryboard(vtt: string, vttUrl: string): Tile[] {
  const tiles: Tile[] = [];
  const lines = vtt.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const timing = TIMING.exec(lines[i] ?? '');
    const target = XYWH.exec((lines[i + 1] ?? '').trim());
    if (!timing || !target) continue;
    const start = vttTime(timing[1] ?? '');
    const end = vttTime(timing[2] ?? '');
    if (Number.isNaN(start) || Number.isNaN(end)) continue;
    tiles.push({
      start,
      end,
      url: new URL(target[1] ?? '', vttUrl).href,
      x: Number(target[2]),
      y: Number(target[3]),
      w: Number(target[4]),
      h: Number(target[5]),
    });
    i++;
  }
  return tiles;
}

/** The tile shown at a time: the cue holding it, the last one past the end. */
export function tileAt(tiles: readonly Tile[], time: number): Tile | undefined {
  return tiles.find((t) => time >= t.start && time < t.end) ?? (time >= 0 ? tiles.at(-1) : undefined);
}

export function formatTime(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${Math.floor(s / 60)}:${ss}`;
}
