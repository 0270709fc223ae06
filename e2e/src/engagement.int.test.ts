// Engagement end to end on the local stack: a player starts a playback session on the real upload-api, its events go
// with the session token through the real events-ingest to Kafka, the real events-lake counts them into MySQL, and the
// API shows the counts on the video: one view per playback session, a retried batch once, nothing without a token.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoClip } from './media.clips.js';
import { Pipeline } from './pipeline.stack.js';

let pipeline: Pipeline;
let token: string;

beforeAll(async () => {
  pipeline = await Pipeline.create();
  await Promise.all([pipeline.start('upload-api'), pipeline.start('events-ingest'), pipeline.start('events-lake')]);
  token = await pipeline.register();
});

afterAll(() => pipeline?.close());

interface Session {
  token: string;
  sessionId: string;
  expiresAt: string;
}

/** A video the player may watch: uploaded, and made ready by hand (no transcoder runs in this test). */
async function readyVideo(): Promise<string> {
  const video = await pipeline.upload(token, await videoClip({ width: 320, height: 240, seconds: 1 }), 'clip.mp4');
  await pipeline.db.updateTable('videos').set({ status: 'ready' }).where('id', '=', video.id).execute();
  return video.id;
}

async function startSession(videoId: string, auth = token): Promise<Session> {
  const res = await fetch(`${pipeline.apiUrl}/v1/videos/${videoId}/playback-sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}` },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Session;
}

const event = (contentId: string, sessionId: string, eventType: string, userId: string | null) => ({
  schema_version: 1,
  event_id: randomUUID(),
  event_type: eventType,
  timestamp: new Date().toISOString(),
  user_id: userId,
  device_id: 'e2e-device',
  session_id: sessionId,
  content_id: contentId,
  position_sec: 12.5,
  client: { app: 'e2e-player', version: '1.0.0' },
});

async function post(events: object[], bearer?: string) {
  const res = await fetch(`${pipeline.eventsUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer && { authorization: `Bearer ${bearer}` }) },
    body: JSON.stringify(events),
  });
  return { status: res.status, body: (await res.json()) as { accepted?: number; code?: string } };
}

const userOf = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as { sub: string }).sub;

describe('engagement', () => {
  it('counts one view per playback session, a retried batch once, and nothing without a token', async () => {
    const [videoId, otherId] = await Promise.all([readyVideo(), readyVideo()]);
    const me = userOf(token);
    const first = await startSession(videoId);
    const ev = (type: string, s = first, video = videoId) => event(video, s.sessionId, type, me);

    const batch = [ev('play'), ev('view_complete'), ev('like'), ev('view_complete'), ev('like'), ev('unlike')];
    expect(await post(batch, first.token)).toEqual({ status: 202, body: { accepted: 6, rejected: [] } });
    // The player did not hear back and sends the same batch again: same event_ids.
    expect((await post(batch, first.token)).status).toBe(202);
    // More views in the same session, later: still the one session.
    expect((await post([ev('view_complete')], first.token)).status).toBe(202);
    // A second playback session of the same viewer is a second view.
    const second = await startSession(videoId);
    expect((await post([ev('view_complete', second)], second.token)).status).toBe(202);

    // Without a token, or with this video's token for another video, nothing is taken.
    const noToken = await post([ev('view_complete', first, otherId)]);
    expect([noToken.status, noToken.body.code]).toEqual([401, 'SESSION_INVALID']);
    const wrongVideo = await post([ev('view_complete', first, otherId)], first.token);
    expect([wrongVideo.status, wrongVideo.body.accepted]).toEqual([400, 0]);

    // The lake adds a chunk's counts before it commits the chunk's offsets: once all are committed, all are counted.
    await pipeline.caughtUp('events-lake', 'engagement.events');
    // Like events are recorded in the lake but counted nowhere: likes are users' rows (PUT /v1/videos/:id/like).
    expect(await pipeline.video(token, videoId)).toMatchObject({ views: 2, likes: 0 });
    expect(await pipeline.video(token, otherId)).toMatchObject({ views: 0, likes: 0 });
  }, 120_000);
});
