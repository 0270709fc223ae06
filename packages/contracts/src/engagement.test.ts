import { describe, expect, it } from 'vitest';
import {
  EngagementEventRecordV1,
  EngagementEventV1,
  EngagementRecord,
  MediaEventRecordV1,
  MediaEventV1,
} from './engagement.js';
import { topics } from './topics.js';

const event = {
  schema_version: 1,
  event_id: 'e-1',
  event_type: 'seek',
  timestamp: '2025-03-01T12:00:00.250+02:00',
  user_id: null,
  device_id: 'd-1',
  session_id: 's-1',
  content_id: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  position_sec: 42.5,
  client: { app: 'android', version: '3.1.0', build: 77 },
  network: 'wifi',
};

describe('EngagementEventV1', () => {
  it('keeps fields it does not know, at the top and in client', () => {
    expect(EngagementEventV1.parse(event)).toEqual(event);
  });

  it('names every problem of a bad event', () => {
    const r = EngagementEventV1.safeParse({ ...event, event_type: 'dance', timestamp: '01/03/2025', position_sec: -2 });
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['event_type', 'timestamp', 'position_sec']);
  });

  it('refuses another schema version and a content_id that is not a videoId', () => {
    expect(EngagementEventV1.safeParse({ ...event, schema_version: 2 }).success).toBe(false);
    expect(EngagementEventV1.safeParse({ ...event, content_id: 'abc' }).success).toBe(false);
  });
});

describe('engagement.events', () => {
  it('is keyed by the event content_id', () => {
    const record = EngagementEventRecordV1.parse({
      version: 1,
      received_at: '2025-03-01T10:00:01.000Z',
      ip: '198.51.100.7',
      user_agent: null,
      event,
    });
    expect(topics['engagement.events'].key(record)).toBe(event.content_id);
    expect(record.event).toEqual(event);
  });
});

describe('MediaEventV1', () => {
  // The content-analytics design's own example, as issue #19 quotes it.
  const example = {
    event_id: 'content_analytics_event__123',
    event_type: 'play',
    timestamp: '2025-03-25T14:30:45.123Z',
    user_id: 'user_123',
    device_id: 'web_browser_xyz',
    session_id: 'sesssion_123',
    ip_address: '192.168.1.1',
    content_id: 'media_123',
    content_type: 'movie',
    title: 'Mr Robot',
    genre: ['thriller', 'action'],
    duration_seconds: 8880,
    language: 'en',
    current_timestamp: 120.5,
    schema_version: '1.0',
    event_source: 'web_app',
  };

  it('takes the design example as it is, extras kept', () => {
    expect(MediaEventV1.parse({ ...example, rating: 'R' })).toEqual({ ...example, rating: 'R' });
  });

  it('refuses event types and content types the design does not have', () => {
    const r = MediaEventV1.safeParse({ ...example, event_type: 'seek', content_type: 'song', schema_version: 1 });
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['schema_version', 'event_type', 'content_type']);
  });

  it('travels on engagement.events keyed by its content id, beside the players’ records', () => {
    const record = EngagementRecord.parse({
      version: 1,
      received_at: '2025-03-25T14:30:46.000Z',
      ip: '10.0.0.9',
      user_agent: null,
      api_key_id: 'k-1',
      event: example,
    });
    expect(MediaEventRecordV1.safeParse(record).success).toBe(true);
    expect(EngagementEventRecordV1.safeParse(record).success).toBe(false);
    expect(topics['engagement.events'].key(record)).toBe('media_123');
  });
});
