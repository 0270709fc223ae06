// A player's engagement events: a playback session from the API (`POST /v1/videos/:id/playback-sessions`), then
// each event posted to the events ingest (`POST /v1/events`) with the session's token. Events go out one request at
// a time in the order they happened; a failed request is retried with the same event ids, which the lake drops
// when they arrive twice.
import { type Reelforge, ReelforgeError, unwrap } from './client.js';

export type PlaybackEventType = 'play' | 'pause' | 'resume' | 'seek' | 'stop' | 'view_complete';

export interface PlaybackReporterOptions {
  videoId: string;
  /** The signed-in viewer's user id (`GET /v1/me`), null for an anonymous one: the ingest checks it against the token. */
  userId: string | null;
  /** Stable per device (a browser keeps a random one in localStorage). */
  deviceId: string;
  /** Where `POST /v1/events` is served; defaults to the API's base URL (one origin behind a proxy or CloudFront). */
  eventsUrl?: string | undefined;
  client?: { app: string; version: string };
  /** A batch the ingest refused, or that could not be sent after the retries. */
  onError?: (error: ReelforgeError) => void;
  /** Pauses between the attempts of one batch. */
  retryDelaysMs?: readonly number[];
}

export interface PlaybackReporter {
  readonly sessionId: string;
  /** Queues one event; resolves when it (and everything queued before it) was answered. */
  report(type: PlaybackEventType, positionSec: number): Promise<void>;
}

export interface EngagementEventBody {
  schema_version: 1;
  event_id: string;
  event_type: PlaybackEventType;
  timestamp: string;
  user_id: string | null;
  device_id: string;
  session_id: string;
  content_id: string;
  position_sec: number;
  client: { app: string; version: string };
}

export async function startPlayback(rf: Reelforge, opts: PlaybackReporterOptions): Promise<PlaybackReporter> {
  const session = await unwrap(
    rf.api.POST('/v1/videos/{id}/playback-sessions', { params: { path: { id: opts.videoId } } }),
  );
  const url = `${(opts.eventsUrl ?? rf.baseUrl).replace(/\/+$/, '')}/v1/events`;
  const delays = opts.retryDelaysMs ?? [500, 2000];
  let chain: Promise<void> = Promise.resolve();

  const send = async (event: EngagementEventBody): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      let error: ReelforgeError;
      try {
        const res = await rf.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
          body: JSON.stringify([event]),
          keepalive: true,
        });
        const body = (await res.json().catch(() => undefined)) as
          | { accepted?: number; rejected?: { reasons: string[] }[]; code?: string; detail?: string; title?: string }
          | undefined;
        if (res.status === 202) return;
        error = new ReelforgeError(
          body?.code ?? `HTTP_${res.status}`,
          res.status,
          body?.rejected?.[0]?.reasons.join('; ') ?? body?.detail ?? body?.title ?? `the ingest answered ${res.status}`,
        );
        // A refusal is final; only the ingest's or the network's trouble is worth another try.
        if (res.status < 500 && res.status !== 429) return opts.onError?.(error);
      } catch (err) {
        error = new ReelforgeError('NETWORK_ERROR', 0, `could not send the event: ${(err as Error).message}`);
      }
      const delay = delays[attempt];
      if (delay === undefined) return opts.onError?.(error);
      await new Promise((r) => setTimeout(r, delay));
    }
  };

  return {
    sessionId: session.sessionId,
    report(type, positionSec) {
      const event: EngagementEventBody = {
        schema_version: 1,
        event_id: crypto.randomUUID(),
        event_type: type,
        timestamp: new Date().toISOString(),
        user_id: opts.userId,
        device_id: opts.deviceId,
        session_id: session.sessionId,
        content_id: opts.videoId,
        position_sec: Math.max(0, Math.round(positionSec * 1000) / 1000),
        client: opts.client ?? { app: 'reelforge-client', version: '0.1.0' },
      };
      chain = chain.then(() => send(event));
      return chain;
    },
  };
}
