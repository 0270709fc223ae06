import { describe, expect, it } from 'vitest';
import { type Observation, observe, SessionTracker, SourceLabels } from './engagement.aggregator.js';

const T0 = Date.parse('2025-03-25T14:30:00.000Z');

const player = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: 1,
    received_at: '2025-03-25T14:30:01.000Z',
    ip: '::1',
    user_agent: null,
    event: {
      schema_version: 1,
      event_id: 'e',
      event_type: 'play',
      timestamp: '2025-03-25T14:30:00.000Z',
      user_id: null,
      device_id: 'd',
      session_id: 's-1',
      content_id: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
      position_sec: 3,
      client: { app: 'web', version: '1' },
      ...over,
    },
  });

const media = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: 1,
    received_at: '2025-03-25T14:30:46.000Z',
    ip: '10.0.0.9',
    user_agent: null,
    api_key_id: 'k',
    event: {
      schema_version: '1.0',
      event_id: 'content_analytics_event__123',
      event_type: 'play',
      timestamp: '2025-03-25T14:30:45.123Z',
      user_id: 'user_123',
      device_id: 'web_browser_xyz',
      session_id: 'sesssion_123',
      content_id: 'media_123',
      content_type: 'movie',
      current_timestamp: 120.5,
      event_source: 'web_app',
      ...over,
    },
  });

describe('observe', () => {
  it('reads both schemas into one observation', () => {
    expect(observe(player())).toEqual({
      eventType: 'play',
      contentType: 'video',
      source: 'web',
      sessionId: 'p:s-1',
      positionSec: 3,
      eventMs: T0,
      receivedMs: T0 + 1000,
    });
    expect(observe(media())).toEqual({
      eventType: 'play',
      contentType: 'movie',
      source: 'web_app',
      sessionId: 'm:sesssion_123',
      positionSec: 120.5,
      eventMs: T0 + 45_123,
      receivedMs: T0 + 46_000,
    });
  });

  it('labels a missing or odd source unknown, and refuses what is not an engagement record', () => {
    expect(observe(media({ event_source: undefined, current_timestamp: null }))).toMatchObject({
      source: 'unknown',
      positionSec: null,
    });
    expect(observe(player({ client: { app: 'a b{c}' } }))?.source).toBe('unknown');
    for (const bad of [
      'not json',
      '{}',
      player({ event_type: 'dance' }),
      player({ schema_version: 2 }),
      media({ content_type: 'song' }),
      player({ timestamp: 'soon' }),
    ]) {
      expect(observe(bad)).toBeNull();
    }
  });
});

describe('SourceLabels', () => {
  it('keeps the first sources and folds the rest into other', () => {
    const labels = new SourceLabels(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map((s) => labels.label(s))).toEqual(['a', 'b', 'other', 'a', 'other', 'b']);
  });
});

const ev = (type: string, atSec: number, positionSec: number | null, session = 's'): Observation => ({
  eventType: type,
  contentType: 'video',
  source: 'web',
  sessionId: session,
  positionSec,
  eventMs: T0 + atSec * 1000,
  receivedMs: T0 + atSec * 1000,
});

describe('SessionTracker', () => {
  it('counts the playhead’s advance while playing, capped by the device time between events', () => {
    const t = new SessionTracker(300_000);
    expect(
      [
        ev('play', 0, 0),
        ev('pause', 10, 10), // 10 s played
        ev('resume', 70, 10), // paused for a minute: nothing
        ev('seek', 75, 600), // a jump forward: only the 5 s (+2 tolerance) that passed
        ev('view_complete', 95, 620), // still playing: 20 s
        ev('stop', 100, 625), // 5 s
        ev('play', 200, 700), // stopped before: nothing
      ].map((e) => t.apply(e)),
    ).toEqual([0, 10, 0, 7, 20, 5, 0]);
  });

  it('ignores an event older than the session’s last, and a playhead that went back', () => {
    const t = new SessionTracker(300_000);
    expect([ev('play', 10, 50), ev('pause', 5, 60), ev('pause', 20, 40)].map((e) => t.apply(e))).toEqual([0, 0, 0]);
  });

  it('counts sessions heard from within the idle time that did not stop', () => {
    const t = new SessionTracker(60_000);
    t.apply(ev('play', 0, 0, 'a'));
    t.apply(ev('play', 30, 0, 'b'));
    t.apply(ev('play', 40, 0, 'c'));
    t.apply(ev('stop', 50, 10, 'c'));
    expect(t.active(T0 + 55_000)).toBe(2);
    // a is idle past 60 s and forgotten; c stopped (kept until idle, not active).
    expect([t.active(T0 + 61_000), t.size]).toEqual([1, 2]);
    expect([t.active(T0 + 200_000), t.size]).toEqual([0, 0]);
  });
});
