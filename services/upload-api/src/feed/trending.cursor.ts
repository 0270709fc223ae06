// The opaque cursor of the trending feed: how far down the order the next page starts, and the window's start the
// first page fixed, so every page of one walk ranks the same candidates. Its shape is ours to change.
import { AppError, TRENDING_CURSOR } from '@reelforge/contracts';

export interface TrendingCursor {
  offset: number;
  sinceMs: number;
}

/** Deeper than any person scrolls a trending list; bounds what one request makes MySQL sort past. */
export const MAX_TRENDING_OFFSET = 1000;

/** 12 hex digits of the window's start (ms, good past the year 10000) and 3 of the depth: TRENDING_CURSOR's form. */
export function encodeTrendingCursor({ offset, sinceMs }: TrendingCursor): string {
  return `${sinceMs.toString(16).padStart(12, '0')}${offset.toString(16).padStart(3, '0')}`;
}

/**
 * For You's personal pages use the same form with a window start of 0, which no trending page has (its window starts
 * hours before now): one cursor form for the whole feed, and the first page decides which list a walk follows.
 */
export const encodePersonalCursor = (offset: number): string => encodeTrendingCursor({ offset, sinceMs: 0 });

/**
 * Reads any string of TRENDING_CURSOR's form (the route's schema has checked it) as a position: a depth outside
 * 1…MAX_TRENDING_OFFSET is clamped, so no cursor the document admits is refused. Anything else is BAD_REQUEST.
 */
export function decodeTrendingCursor(cursor: string): TrendingCursor {
  if (!TRENDING_CURSOR.test(cursor)) throw new AppError('BAD_REQUEST', 'invalid cursor');
  const sinceMs = Number.parseInt(cursor.slice(0, 12), 16);
  const offset = Math.min(MAX_TRENDING_OFFSET, Math.max(1, Number.parseInt(cursor.slice(12), 16)));
  return { offset, sinceMs };
}
