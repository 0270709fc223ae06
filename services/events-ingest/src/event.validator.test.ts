import { describe, expect, it } from 'vitest';
import { Unparseable } from './batch.parser.js';
import { RATE_LIMITED_REASON, validateBatch } from './event.validator.js';

const event = (over: Record<string, unknown> = {}) => ({
  schema_version: 1,
  event_id: 'e-1',
  event_type: 'play',
  timestamp: '2025-03-01T10:00:00.000Z',
  user_id: 'u-1',
  device_id: 'dev-1',
  session_id: 's-1',
  content_id: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  position_sec: 12.5,
  client: { app: 'web', version: '1.2.3' },
  ...over,
});

const session = { videoId: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11', sessionId: 's-1', userId: 'u-1' };
const unlimited = () => true;

describe('validateBatch', () => {
  it('accepts valid events and keeps fields the contract does not know', () => {
    const items = [event({ ab_bucket: 'B' })];
    const r = validateBatch(items, session, unlimited);
    expect(r.rejected).toEqual([]);
    expect(r.accepted).toEqual([0]);
    expect(items[0]).toEqual(event({ ab_bucket: 'B' }));
  });

  it('rejects bad events by index with every reason, and accepts the rest', () => {
    const r = validateBatch(
      [
        event({ event_id: 'a' }),
        event({ event_type: 'teleport', position_sec: -1 }),
        new Unparseable('not valid JSON'),
        'a string',
        event({ event_id: 'b' }),
      ],
      session,
      unlimited,
    );
    expect(r.accepted).toEqual([0, 4]);
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2, 3]);
    // The reasons are zod's, word for word.
    expect(r.rejected[0]?.reasons).toEqual([
      'event_type: Invalid option: expected one of "play"|"pause"|"resume"|"seek"|"stop"|"like"|"unlike"|"view_complete"',
      'position_sec: Too small: expected number to be >=0',
    ]);
    expect(r.rejected[1]?.reasons).toEqual(['not valid JSON']);
    expect(r.rejected[2]?.reasons).toEqual(['(event): Invalid input: expected object, received string']);
    expect(r.rateLimited).toBe(0);
  });

  it('refuses events over the allowance with the rate-limit reason', () => {
    let left = 1;
    const r = validateBatch([event({ event_id: 'a' }), event({ event_id: 'b' })], session, () => left-- > 0);
    expect(r.accepted).toEqual([0]);
    expect(r.rejected).toEqual([{ index: 1, reasons: [RATE_LIMITED_REASON] }]);
    expect(r.rateLimited).toBe(1);
  });

  it('does not charge the allowance for invalid events', () => {
    let taken = 0;
    validateBatch([event({ content_id: 'not-a-uuid' }), event({ session_id: 's-2' })], session, () => taken++ >= 0);
    expect(taken).toBe(0);
  });

  it("refuses events about another video, session or viewer than the token's, naming each", () => {
    const other = '7c0e4a52-1d3f-4c53-9a3e-8f0f3c1f2a22';
    const r = validateBatch(
      [
        event({ content_id: other }),
        event({ session_id: 's-2', user_id: 'u-2' }),
        event({ user_id: null }),
        event({ event_id: 'ok' }),
      ],
      session,
      unlimited,
    );
    expect(r.accepted).toEqual([3]);
    expect(r.rejected).toEqual([
      { index: 0, reasons: ['content_id: not the video of the session token'] },
      {
        index: 1,
        reasons: ['session_id: not the session of the session token', 'user_id: not the viewer of the session token'],
      },
      { index: 2, reasons: ['user_id: not the viewer of the session token'] },
    ]);
    const anonymous = validateBatch([event()], { ...session, userId: null }, unlimited);
    expect(anonymous.rejected[0]?.reasons).toEqual([
      'user_id: must be null, the session token is for an anonymous viewer',
    ]);
  });
});
