import { describe, expect, it } from 'vitest';
import { decodeTrendingCursor, encodeTrendingCursor, MAX_TRENDING_OFFSET } from './trending.cursor.js';

describe('trending cursor', () => {
  it('round-trips the offset and the window start', () => {
    const cursor = encodeTrendingCursor({ offset: 40, sinceMs: 1_767_225_600_000 });
    expect(decodeTrendingCursor(cursor)).toEqual({ offset: 40, sinceMs: 1_767_225_600_000 });
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['another shape', Buffer.from(JSON.stringify([1, 'x'])).toString('base64url')],
    ['offset 0', encodeTrendingCursor({ offset: 0, sinceMs: 1 })],
    ['offset past the bound', encodeTrendingCursor({ offset: MAX_TRENDING_OFFSET + 1, sinceMs: 1 })],
    ['negative time', encodeTrendingCursor({ offset: 1, sinceMs: -1 })],
  ])('refuses %s with BAD_REQUEST', (_what, cursor) => {
    expect(() => decodeTrendingCursor(cursor)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
