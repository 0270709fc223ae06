// Turns `engagement.events` records into the numbers operators watch: events by type, content type and source;
// playback sessions active now; seconds watched. Pure (no clock, no Kafka, no prom-client) so each rule is tested on
// exact values; engagement.consumer.ts feeds it and engagement.metrics.ts exports what it returns.

/** What one record says, whichever schema it carries (a player's EngagementEventV1 or a MediaEventV1 "1.0"). */
export interface Observation {
  eventType: string;
  /** `video` for a Reelforge video (the players' schema); movie, episode or ad for the analytics design's. */
  contentType: string;
  /** Who sent it: the player's `client.app`, or the analytics design's `event_source`. */
  source: string;
  sessionId: string;
  /** The playhead in seconds, when the event has one. */
  positionSec: number | null;
  /** When it happened on the device. */
  eventMs: number;
  /** When the ingest received it: the clock sessions age by (devices' clocks and offline queues are not). */
  receivedMs: number;
}

const EVENT_TYPES = new Set(['play', 'pause', 'resume', 'seek', 'stop', 'like', 'unlike', 'view_complete']);
const CONTENT_TYPES = new Set(['movie', 'episode', 'ad']);
const LABEL = /^[A-Za-z0-9._-]{1,64}$/;

/** Decodes one record's JSON, or null when it is not a readable engagement record. */
export function observe(value: string): Observation | null {
  let record: unknown;
  try {
    record = JSON.parse(value);
  } catch {
    return null;
  }
  const r = record as { received_at?: unknown; event?: Record<string, unknown> } | null;
  const e = r?.event;
  if (typeof e !== 'object' || e === null) return null;
  const eventType = e.event_type;
  const sessionId = e.session_id;
  const eventMs = typeof e.timestamp === 'string' ? Date.parse(e.timestamp) : Number.NaN;
  const receivedMs = typeof r?.received_at === 'string' ? Date.parse(r.received_at) : Number.NaN;
  if (typeof eventType !== 'string' || !EVENT_TYPES.has(eventType) || typeof sessionId !== 'string') return null;
  if (Number.isNaN(eventMs) || Number.isNaN(receivedMs)) return null;

  const media = e.schema_version === '1.0';
  if (media) {
    if (typeof e.content_type !== 'string' || !CONTENT_TYPES.has(e.content_type)) return null;
  } else if (e.schema_version !== 1) {
    return null;
  }
  const client = e.client as { app?: unknown } | undefined;
  const source = media ? e.event_source : client?.app;
  const position = media ? e.current_timestamp : e.position_sec;
  return {
    eventType,
    contentType: media ? (e.content_type as string) : 'video',
    source: typeof source === 'string' && LABEL.test(source) ? source : 'unknown',
    sessionId: `${media ? 'm' : 'p'}:${sessionId}`,
    positionSec: typeof position === 'number' && Number.isFinite(position) && position >= 0 ? position : null,
    eventMs,
    receivedMs,
  };
}

/** Keeps the first `max` distinct sources as they are; later ones become `other`, so a label cannot explode. */
export class SourceLabels {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}

  label(source: string): string {
    if (this.seen.has(source)) return source;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(source);
    return source;
  }
}

interface SessionState {
  lastType: string;
  positionSec: number | null;
  eventMs: number;
  receivedMs: number;
}

/** Events after which the player is playing; pause and stop end it, the rest keep the state they found. */
const STARTS_PLAYING = new Set(['play', 'resume']);
const STOPS_PLAYING = new Set(['pause', 'stop']);

/** How far the playhead may run ahead of the device clock between two events before the excess is not counted. */
export const WATCH_TOLERANCE_SEC = 2;

/**
 * Per playback session: whether it is playing and where its playhead was, to count watch time and active sessions.
 * Watch time is the playhead's advance between an event that found the session playing and the next event of that
 * session, at most the device time between them (plus a tolerance), so a forward seek or a skewed clock adds
 * nothing it did not play. Events arriving out of order (older than the session's last) change nothing.
 */
export class SessionTracker {
  private readonly sessions = new Map<string, SessionState & { playing: boolean }>();

  constructor(private readonly idleMs: number) {}

  /** Applies one event; returns the seconds it adds to watch time. */
  apply(o: Observation): number {
    const prev = this.sessions.get(o.sessionId);
    if (prev && o.eventMs < prev.eventMs) return 0;
    let watched = 0;
    if (prev?.playing && prev.positionSec !== null && o.positionSec !== null) {
      const advance = o.positionSec - prev.positionSec;
      const elapsed = (o.eventMs - prev.eventMs) / 1000;
      watched = Math.max(0, Math.min(advance, elapsed + WATCH_TOLERANCE_SEC));
    }
    const playing = STARTS_PLAYING.has(o.eventType) || (!STOPS_PLAYING.has(o.eventType) && (prev?.playing ?? false));
    // A session keeps its place in the map's order by last activity: delete first, then set.
    this.sessions.delete(o.sessionId);
    this.sessions.set(o.sessionId, {
      lastType: o.eventType,
      positionSec: o.positionSec ?? prev?.positionSec ?? null,
      eventMs: o.eventMs,
      receivedMs: Math.max(o.receivedMs, prev?.receivedMs ?? 0),
      playing,
    });
    return watched;
  }

  /** Sessions heard from within the idle time whose last event was not a stop. Forgets the idle ones. */
  active(nowMs: number): number {
    this.prune(nowMs);
    let n = 0;
    for (const s of this.sessions.values()) if (s.lastType !== 'stop') n++;
    return n;
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(nowMs: number): void {
    const cutoff = nowMs - this.idleMs;
    for (const [id, s] of this.sessions) {
      if (s.receivedMs < cutoff) this.sessions.delete(id);
    }
  }
}
