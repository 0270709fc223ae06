import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './video.cursor.js';

const id = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';

describe('video list cursor', () => {
  it('is URL-safe base64 of the last item’s millisecond timestamp and id', () => {
    const cursor = encodeCursor({ createdAt: new Date('2025-03-01T12:00:00.123Z'), id });
    expect(cursor).toBe(Buffer.from(`[1740830400123,"${id}"]`).toString('base64url'));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('round-trips to the same instant and id', () => {
    const decoded = decodeCursor(encodeCursor({ createdAt: new Date('2025-03-01T12:00:00.123Z'), id }));
    expect(decoded).toEqual({ createdAt: new Date('2025-03-01T12:00:00.123Z'), id });
  });

  it.each([
    ['not base64 JSON', '!!!'],
    ['an object', Buffer.from('{"t":1,"id":"x"}').toString('base64url')],
    ['a fractional time', Buffer.from('[1.5,"x"]').toString('base64url')],
    ['an empty id', Buffer.from('[1,""]').toString('base64url')],
    ['extra fields', Buffer.from('[1,"x",2]').toString('base64url')],
  ])('refuses %s as BAD_REQUEST', (_, cursor) => {
    let err: unknown;
    try {
      decodeCursor(cursor);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect([(err as AppError).code, (err as AppError).status, (err as AppError).message]).toEqual([
      'BAD_REQUEST',
      400,
      'invalid cursor',
    ]);
  });
});
