import { describe, expect, it } from 'vitest';
import { createReelforge, type ReelforgeError } from './client.js';
import { startPlayback } from './playback.reporter.js';

const videoId = '11111111-2222-4333-8444-555555555555';
const sessionId = '99999999-8888-4777-8666-555555555555';

/** A fetch that answers the session request, then each events POST with the next status; records the requests. */
function fakeFetch(eventStatuses: number[]) {
  const calls: { url: string; auth: string | null; body: unknown }[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    const body = req.method === 'POST' ? await req.json().catch(() => undefined) : undefined;
    calls.push({ url: req.url, auth: req.headers.get('authorization'), body });
    if (req.url.endsWith('/playback-sessions')) {
      return Response.json({ token: 'tok.sig', sessionId, expiresAt: '2030-01-01T00:00:00.000Z' }, { status: 201 });
    }
    const status = eventStatuses.shift() ?? 202;
    return Response.json(
      status === 202 ? { accepted: 1, rejected: [] } : { accepted: 0, rejected: [{ index: 0, reasons: ['nope'] }] },
      { status },
    );
  };
  return { calls, fetch: fn as typeof fetch };
}

describe('startPlayback', () => {
  it('posts each event with the session token, naming the video, session and viewer', async () => {
    const { calls, fetch } = fakeFetch([]);
    const rf = createReelforge({ baseUrl: 'http://app.test/', token: 'user-jwt', fetch });
    const player = await startPlayback(rf, {
      videoId,
      userId: 'u-1',
      deviceId: 'd-1',
      client: { app: 'web', version: '1' },
    });
    expect(player.sessionId).toBe(sessionId);
    await player.report('play', 0);
    await player.report('seek', 2.34567);

    expect(calls.map((c) => c.url)).toEqual([
      `http://app.test/v1/videos/${videoId}/playback-sessions`,
      'http://app.test/v1/events',
      'http://app.test/v1/events',
    ]);
    expect(calls[0]?.auth).toBe('Bearer user-jwt');
    expect(calls[1]?.auth).toBe('Bearer tok.sig');
    const [seek] = (calls[2]?.body ?? []) as Record<string, unknown>[];
    expect(seek).toMatchObject({
      schema_version: 1,
      event_type: 'seek',
      user_id: 'u-1',
      device_id: 'd-1',
      session_id: sessionId,
      content_id: videoId,
      position_sec: 2.346,
      client: { app: 'web', version: '1' },
    });
  });

  it('retries a 503 with the same event id and stops at a refusal', async () => {
    const { calls, fetch } = fakeFetch([503, 202, 400]);
    const errors: ReelforgeError[] = [];
    const rf = createReelforge({ baseUrl: 'http://app.test', fetch });
    const player = await startPlayback(rf, {
      videoId,
      userId: null,
      deviceId: 'd-1',
      eventsUrl: 'http://ingest.test',
      retryDelaysMs: [0, 0],
      onError: (e) => errors.push(e),
    });
    await player.report('play', 0);
    await player.report('pause', 1);
    const posts = calls.slice(1).map((c) => (c.body as { event_id: string; event_type: string }[])[0]);
    expect(calls.slice(1).every((c) => c.url === 'http://ingest.test/v1/events')).toBe(true);
    expect(posts.map((e) => e?.event_type)).toEqual(['play', 'play', 'pause']);
    expect(posts[0]?.event_id).toBe(posts[1]?.event_id);
    expect(errors.map((e) => [e.status, e.message])).toEqual([[400, 'nope']]);
  });
});
