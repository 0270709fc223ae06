import { describe, expect, it } from 'vitest';
import { formatRatio, parseRatio, reduce } from './ratio.js';

describe('ratio', () => {
  it('parses ffprobe fractions and aspect ratios, reduced', () => {
    expect(parseRatio('30000/1001')).toEqual({ num: 30000, den: 1001 });
    expect(parseRatio('60/2')).toEqual({ num: 30, den: 1 });
    expect(parseRatio('64:45')).toEqual({ num: 64, den: 45 });
  });

  it('treats unknown values as null', () => {
    expect(parseRatio('0/0')).toBeNull();
    expect(parseRatio('N/A')).toBeNull();
    expect(parseRatio(undefined)).toBeNull();
    expect(parseRatio('1:0')).toBeNull();
  });

  it('formats for ffmpeg', () => {
    expect(formatRatio(reduce({ num: 120000, den: 2002 }))).toBe('60000/1001');
  });
});
