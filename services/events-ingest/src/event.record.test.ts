import { EngagementEventRecordV1, type EngagementEventV1, topics } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import type { Batch } from './batch.parser.js';
import { buildRecords } from './event.record.js';

const event: EngagementEventV1 = {
  schema_version: 1,
  event_id: 'e-1',
  event_type: 'like',
  timestamp: '2025-03-01T12:00:00+02:00',
  user_id: null,
  device_id: 'd',
  session_id: 's',
  content_id: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  position_sec: 0,
  client: { app: 'ios', version: '7.0', os: '18.1' },
  experiment: { id: 7 },
};

/** A JSON-array batch of the given events as a player would send it. */
function batchOf(events: unknown[]): Batch {
  const parts = events.map((e) => Buffer.from(JSON.stringify(e)));
  const spans: number[] = [];
  let at = 1;
  for (const p of parts) {
    spans.push(at, at + p.length);
    at += p.length + 1;
  }
  return { items: events, source: Buffer.from(`[${parts.join(',')}]`), spans: Int32Array.from(spans) };
}

describe('buildRecords', () => {
  it('wraps each event in the request envelope as a valid engagement.events record keyed by content_id', () => {
    const [record] = buildRecords(batchOf([event]), [0], {
      receivedAt: new Date('2025-03-01T10:00:01.500Z'),
      ip: '203.0.113.9',
      userAgent: 'Player/7 "quoted"',
    });
    const value = JSON.parse(record?.value.toString() ?? '');
    expect(value).toEqual({
      version: 1,
      received_at: '2025-03-01T10:00:01.500Z',
      ip: '203.0.113.9',
      user_agent: 'Player/7 "quoted"',
      event,
    });
    const parsed = EngagementEventRecordV1.parse(value);
    expect(record?.key).toBe(topics['engagement.events'].key(parsed));
    expect(record?.key).toBe(event.content_id);
  });

  it('records a missing user agent as null', () => {
    const [record] = buildRecords(batchOf([event]), [0], { receivedAt: new Date(0), ip: '::1', userAgent: null });
    expect(JSON.parse(record?.value.toString() ?? '').user_agent).toBeNull();
  });

  it('carries only the accepted items, each as the bytes the player sent', () => {
    const other = { ...event, event_id: 'e-2', content_id: 'ffffffff-ffff-ffff-ffff-ffffffffffff', note: 'ü\u00fc' };
    const records = buildRecords(batchOf([event, { broken: true }, other]), [0, 2], {
      receivedAt: new Date(0),
      ip: '::1',
      userAgent: null,
    });
    expect(records.map((r) => r.key)).toEqual([event.content_id, other.content_id]);
    expect(records.map((r) => r.value.toString())).toEqual(
      [event, other].map(
        (e) =>
          `{"version":1,"received_at":"1970-01-01T00:00:00.000Z","ip":"::1","user_agent":null,"event":${JSON.stringify(e)}}`,
      ),
    );
  });
});
