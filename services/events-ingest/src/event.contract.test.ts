import { EngagementEventV1 } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { compileEventCheck } from './event.contract.js';

const good = {
  schema_version: 1,
  event_id: 'e-1',
  event_type: 'seek',
  timestamp: '2025-03-01T12:00:00.250+02:00',
  user_id: 'u-1',
  device_id: 'd-1',
  session_id: 's-1',
  content_id: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  position_sec: 42.5,
  client: { app: 'android', version: '3.1.0' },
};
const without = (key: keyof typeof good) => Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));
const emoji = (n: number) => '😀'.repeat(n);

// [what, value, valid by the contract]
const samples: [string, unknown, boolean][] = [
  ['a complete event', good, true],
  ['extras at the top and in client', { ...good, ab: { x: [1] }, client: { ...good.client, os: '14' } }, true],
  ['an anonymous viewer', { ...good, user_id: null }, true],
  ['every event type', { ...good, event_type: 'view_complete' }, true],
  ['an unknown event type', { ...good, event_type: 'dance' }, false],
  ['schema_version 2', { ...good, schema_version: 2 }, false],
  ['schema_version as a string', { ...good, schema_version: '1' }, false],
  ['an event_id of 64 characters', { ...good, event_id: 'x'.repeat(64) }, true],
  ['an event_id of 65 characters', { ...good, event_id: 'x'.repeat(65) }, false],
  // Lengths are code points, not UTF-16 units.
  ['an event_id of 64 emoji (128 UTF-16 units)', { ...good, event_id: emoji(64) }, true],
  ['an event_id of 65 emoji', { ...good, event_id: emoji(65) }, false],
  ['an empty event_id', { ...good, event_id: '' }, false],
  ['an empty user_id', { ...good, user_id: '' }, false],
  ['a device_id of 129 characters', { ...good, device_id: 'd'.repeat(129) }, false],
  ['a numeric session_id', { ...good, session_id: 7 }, false],
  ['a UTC timestamp', { ...good, timestamp: '2025-03-01T10:00:00Z' }, true],
  ['a timestamp without seconds', { ...good, timestamp: '2025-03-01T10:00Z' }, false],
  ['a timestamp without a zone', { ...good, timestamp: '2025-03-01T10:00:00' }, false],
  ['29 February of a leap year', { ...good, timestamp: '2024-02-29T00:00:00Z' }, true],
  ['29 February of another year', { ...good, timestamp: '2025-02-29T00:00:00Z' }, false],
  ['a date only', { ...good, timestamp: '2025-03-01' }, false],
  ['an upper-case UUID', { ...good, content_id: '0B9F4A52-5D3F-4C53-9A3E-8F0F3C1F2A11' }, true],
  ['the nil UUID', { ...good, content_id: '00000000-0000-0000-0000-000000000000' }, true],
  ['a UUID of version 9', { ...good, content_id: '0b9f4a52-5d3f-9c53-9a3e-8f0f3c1f2a11' }, false],
  ['a content_id that is not a UUID', { ...good, content_id: 'video-1' }, false],
  ['position 0', { ...good, position_sec: 0 }, true],
  ['position 1e7', { ...good, position_sec: 1e7 }, true],
  ['position over 1e7', { ...good, position_sec: 1e7 + 1 }, false],
  ['a negative position', { ...good, position_sec: -0.5 }, false],
  ['a position as a string', { ...good, position_sec: '1' }, false],
  ['a client without app', { ...good, client: { version: '1' } }, false],
  ['an empty client app', { ...good, client: { app: '', version: '1' } }, false],
  ['a client version of 33 characters', { ...good, client: { app: 'a', version: 'v'.repeat(33) } }, false],
  ['a client that is an array', { ...good, client: ['android', '3.1.0'] }, false],
  ['an event that is an array', [good], false],
  ['null', null, false],
  ['a string', 'play', false],
  ...(Object.keys(good) as (keyof typeof good)[]).map((key): [string, unknown, boolean] => [
    `an event without ${key}`,
    without(key),
    false,
  ]),
];

describe('compileEventCheck', () => {
  const check = compileEventCheck();

  it.each(samples)('agrees with the zod contract on %s', (_what, value, valid) => {
    expect(EngagementEventV1.safeParse(value).success).toBe(valid);
    expect(check(value)).toBe(valid);
  });

  it('checks in place: the event is neither copied nor changed', () => {
    const event = structuredClone({ ...good, extra: { nested: true } });
    expect(check(event)).toBe(true);
    expect(event).toEqual({ ...good, extra: { nested: true } });
  });
});
