import { describe, expect, it } from 'vitest';
import { avc1HighCodec, h264Level } from './h264.level.js';

const level = (width: number, height: number, fps: number, maxKbps: number) =>
  h264Level({ width, height, fps, maxKbps, bufsizeKbps: maxKbps * 2 }).name;

describe('h264Level', () => {
  it('picks the lowest level holding the frame size, macroblock rate and VBV', () => {
    expect(level(1920, 1080, 30, 5000)).toBe('4.0');
    expect(level(1920, 1080, 60, 7500)).toBe('4.2');
    expect(level(1280, 720, 30, 2800)).toBe('3.1');
    // 854x480 at 30 fps is 48,600 MB/s: over level 3.0's 40,500.
    expect(level(854, 480, 30, 1400)).toBe('3.1');
    expect(level(854, 480, 25, 1400)).toBe('3.0');
    expect(level(640, 360, 30, 800)).toBe('3.0');
    expect(level(320, 240, 25, 356)).toBe('1.3');
  });

  it('raises the level for a bitrate the size alone would not need', () => {
    expect(h264Level({ width: 640, height: 360, fps: 30, maxKbps: 12_000, bufsizeKbps: 12_000 }).name).toBe('3.0');
    expect(h264Level({ width: 640, height: 360, fps: 30, maxKbps: 13_000, bufsizeKbps: 13_000 }).name).toBe('3.1');
    expect(h264Level({ width: 640, height: 360, fps: 30, maxKbps: 13_000, bufsizeKbps: 26_000 }).name).toBe('4.0');
  });

  it('writes the RFC 6381 codec string of High profile', () => {
    expect(avc1HighCodec(31)).toBe('avc1.64001f');
    expect(avc1HighCodec(40)).toBe('avc1.640028');
    expect(avc1HighCodec(13)).toBe('avc1.64000d');
  });
});
