import { TRENDING_CURSOR } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import {
  decodeTrendingCursor,
  encodePersonalCursor,
  encodeTrendingCursor,
  MAX_TRENDING_OFFSET,
} from './trending.cursor.js';

describe('trending cursor', () => {
  it('round-trips the offset and the window start, in the form the document states', () => {
    const cursor = encodeTrendingCursor({ offset: 40, sinceMs: 1_767_225_600_000 });
    expect(cursor).toBe('019b76daa800028');
    expect(cursor).toMatch(TRENDING_CURSOR);
    expect(decodeTrendingCursor(cursor)).toEqual({ offset: 40, sinceMs: 1_767_225_600_000 });
  });

  it('reads every string of the form as a position, clamping the depth to 1…MAX_TRENDING_OFFSET', () => {
    expect(decodeTrendingCursor('000000000000000')).toEqual({ offset: 1, sinceMs: 0 });
    expect(decodeTrendingCursor('ffffffffffff fff'.replace(' ', ''))).toEqual({
      offset: MAX_TRENDING_OFFSET,
      sinceMs: 0xffffffffffff,
    });
  });

  it.each([
    ['empty', ''],
    ['too short', '0'],
    ['upper case', '00000000000000A'],
    ['too long', '0000000000000000'],
  ])('refuses %s with BAD_REQUEST', (_what, cursor) => {
    expect(() => decodeTrendingCursor(cursor)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it("gives For You's personal pages the same form, with a window start no trending page has", () => {
    expect(encodePersonalCursor(20)).toBe('000000000000014');
    expect(decodeTrendingCursor(encodePersonalCursor(20))).toEqual({ offset: 20, sinceMs: 0 });
  });
});
