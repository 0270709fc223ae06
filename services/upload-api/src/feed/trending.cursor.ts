// The opaque cursor of the trending feed: how far down the order the next page starts, and the window's start the
// first page fixed, so every page of one walk ranks the same candidates. Its shape is ours to change.
import { AppError } from '@reelforge/contracts';

export interface TrendingCursor {
  offset: number;
  sinceMs: number;
}

/** Deeper than any person scrolls a trending list; bounds what one request makes MySQL sort past. */
export const MAX_TRENDING_OFFSET = 1000;

export function encodeTrendingCursor({ offset, sinceMs }: TrendingCursor): string {
  return Buffer.from(JSON.stringify(['t', offset, sinceMs])).toString('base64url');
}

/** Throws AppError BAD_REQUEST for anything encodeTrendingCursor did not produce. */
export function decodeTrendingCursor(cursor: string): TrendingCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('BAD_REQUEST', 'invalid cursor');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== 't' ||
    !Number.isSafeInteger(parsed[1]) ||
    (parsed[1] as number) < 1 ||
    (parsed[1] as number) > MAX_TRENDING_OFFSET ||
    !Number.isSafeInteger(parsed[2]) ||
    (parsed[2] as number) < 0
  ) {
    throw new AppError('BAD_REQUEST', 'invalid cursor');
  }
  return { offset: parsed[1] as number, sinceMs: parsed[2] as number };
}
