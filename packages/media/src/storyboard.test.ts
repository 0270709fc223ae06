import { describe, expect, it } from 'vitest';
import { buildStoryboardVtt } from './storyboard.js';

describe('buildStoryboardVtt', () => {
  it('points each interval at its tile, row by row, and ends the last cue at the end of the video', () => {
    const vtt = buildStoryboardVtt(
      { intervalSec: 36, count: 12, columns: 10, rows: 2, tileWidth: 160, tileHeight: 90 },
      400.5,
      'storyboard.jpg',
    );
    const lines = vtt.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'WEBVTT',
      '',
      '00:00:00.000 --> 00:00:36.000',
      'storyboard.jpg#xywh=0,0,160,90',
      '',
      '00:00:36.000 --> 00:01:12.000',
    ]);
    expect(lines.slice(-6)).toEqual([
      '00:06:00.000 --> 00:06:36.000',
      'storyboard.jpg#xywh=0,90,160,90',
      '',
      '00:06:36.000 --> 00:06:40.500',
      'storyboard.jpg#xywh=160,90,160,90',
      '',
    ]);
    expect(lines.filter((l) => l.includes('-->'))).toHaveLength(12);
  });
});
