import { describe, expect, it } from 'vitest';
import { formatTime, parseStoryboard, tileAt, vttTime } from './storyboard';

const base = 'http://edge.test/t/123.sig/videos/v/1/storyboard.vtt';
const vtt = [
  'WEBVTT',
  '',
  '00:00:00.000 --> 00:00:02.000',
  'storyboard.jpg#xywh=0,0,160,90',
  '',
  '00:00:02.000 --> 00:00:03.500',
  'storyboard.jpg#xywh=160,0,160,90',
  '',
].join('\n');

describe('parseStoryboard', () => {
  it('reads each cue into a tile of the sprite, its URL resolved against the VTT (token kept)', () => {
    expect(parseStoryboard(vtt, base)).toEqual([
      { start: 0, end: 2, url: 'http://edge.test/t/123.sig/videos/v/1/storyboard.jpg', x: 0, y: 0, w: 160, h: 90 },
      { start: 2, end: 3.5, url: 'http://edge.test/t/123.sig/videos/v/1/storyboard.jpg', x: 160, y: 0, w: 160, h: 90 },
    ]);
  });

  it('skips cues that do not point at a tile, and reads CRLF files', () => {
    const text =
      'WEBVTT\r\n\r\n00:00.000 --> 00:01.000\r\nhello\r\n\r\n00:01.000 --> 00:02.000\r\na.jpg#xywh=1,2,3,4\r\n';
    expect(parseStoryboard(text, base).map((t) => [t.start, t.end, t.x, t.y, t.w, t.h])).toEqual([[1, 2, 1, 2, 3, 4]]);
  });
});

describe('tileAt', () => {
  const tiles = parseStoryboard(vtt, base);
  it('finds the cue holding the time; past the end, the last one', () => {
    expect(tileAt(tiles, 0)?.x).toBe(0);
    expect(tileAt(tiles, 1.999)?.x).toBe(0);
    expect(tileAt(tiles, 2)?.x).toBe(160);
    expect(tileAt(tiles, 9)?.x).toBe(160);
    expect(tileAt([], 1)).toBeUndefined();
  });
});

describe('times', () => {
  it('reads VTT timestamps and writes player times', () => {
    expect(vttTime('01:02:03.250')).toBe(3723.25);
    expect(vttTime('02:03.5')).toBe(123.5);
    expect(vttTime('x')).toBeNaN();
    expect([formatTime(0), formatTime(65.9), formatTime(3725), formatTime(Number.NaN)]).toEqual([
      '0:00',
      '1:05',
      '1:02:05',
      '0:00',
    ]);
  });
});
