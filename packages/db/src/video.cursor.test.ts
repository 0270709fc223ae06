import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './video.cursor.js';

const id = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';

describe('video list cursor', () => {
  it('is the last item’s millisecond timestamp in 12 hex digits, then its id’s hex digits', () => {
    const cursor = encodeCursor({ createdAt: new Date('2025-03-01T12:00:00.123Z'), id });
    expect(cursor).toBe('01955193de7b0b9f4a525d3f4c539a3e8f0f3c1f2a11');
    expect(cursor).toMatch(/^[0-9a-f]{44}$/);
  });

  it('round-trips to the same instant and id', () => {
    const decoded = decodeCursor(encodeCursor({ createdAt: new Date('2025-03-01T12:00:00.123Z'), id }));
    expect(decoded).toEqual({ createdAt: new Date('2025-03-01T12:00:00.123Z'), id });
  });

  it('reads any string of its form, past the last DATETIME as the last DATETIME', () => {
    expect(decodeCursor('0'.repeat(44))).toEqual({
      createdAt: new Date(0),
      id: '00000000-0000-0000-0000-000000000000',
    });
    expect(decodeCursor('f'.repeat(44)).createdAt).toEqual(new Date('9999-12-31T23:59:59.999Z'));
  });

  it.each([
    ['the old base64 form', Buffer.from(`[1740830400123,"${id}"]`).toString('base64url')],
    ['upper-case hex', '01955193DE7B0B9F4A525D3F4C539A3E8F0F3C1F2A11'],
    ['one digit short', '01955193de7b0b9f4a525d3f4c539a3e8f0f3c1f2a1'],
    ['empty', ''],
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
