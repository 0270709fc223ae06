// The opaque page cursor of a user's video list: the (created_at, id) of the last video shown. Clients pass it back
// unchanged; its shape is ours to change.
import { AppError } from '@reelforge/contracts';

export interface VideoCursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor({ createdAt, id }: VideoCursor): string {
  return Buffer.from(JSON.stringify([createdAt.getTime(), id])).toString('base64url');
}

/** Throws AppError BAD_REQUEST for anything encodeCursor did not produce. */
export function decodeCursor(cursor: string): VideoCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('BAD_REQUEST', 'invalid cursor');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    typeof parsed[1] !== 'string' ||
    parsed[1].length === 0
  ) {
    throw new AppError('BAD_REQUEST', 'invalid cursor');
  }
  return { createdAt: new Date(parsed[0] as number), id: parsed[1] };
}
