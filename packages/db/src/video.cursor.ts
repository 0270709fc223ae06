// The opaque page cursor of a user's video list: the (created_at, id) of the last video shown, as 12 hex digits of
// milliseconds then the id's 32 hex digits. Fixed-width so the API can state its form (`PAGE_CURSOR`), and every
// string of that form reads as some position, so a well-formed cursor is never refused.
import { AppError, PAGE_CURSOR } from '@reelforge/contracts';

export interface VideoCursor {
  createdAt: Date;
  id: string;
}

/** DATETIME's last instant: a hand-made cursor beyond it means "from the newest", not a database error. */
const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function encodeCursor({ createdAt, id }: VideoCursor): string {
  return createdAt.getTime().toString(16).padStart(12, '0') + id.replaceAll('-', '').toLowerCase();
}

/** Throws AppError BAD_REQUEST for a string not of the cursor's form. */
export function decodeCursor(cursor: string): VideoCursor {
  if (!PAGE_CURSOR.test(cursor)) throw new AppError('BAD_REQUEST', 'invalid cursor');
  const ms = Math.min(Number.parseInt(cursor.slice(0, 12), 16), LAST_MS);
  const hex = cursor.slice(12);
  const id = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
  return { createdAt: new Date(ms), id };
}
