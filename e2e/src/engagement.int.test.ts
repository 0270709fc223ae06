// Engagement end to end on the local stack: a player's events go through the real events-ingest to Kafka, the real
// events-lake counts them into MySQL, and the real upload-api shows the counts on the video — a retried event once.
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

const event = (contentId: string, eventType: string, eventId = randomUUID()) => ({
  schema_version: 1,
  event_id: eventId,
  event_type: eventType,
  timestamp: new Date().toISOString(),
  user_id: null,
  device_id: 'e2e-device',
  session_id: 'e2e-session',
  content_id: contentId,
  position_sec: 12.5,
  client: { app: 'e2e-player', version: '1.0.0' },
});

async function post(events: object[]): Promise<{ status: number; body: { accepted: number } }> {
  const res = await fetch(`${pipeline.eventsUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  return { status: res.status, body: (await res.json()) as { accepted: number } };
}

describe('engagement', () => {
  it('counts what players send into the video’s views and likes, a retried batch once', async () => {
    const video = await pipeline.upload(token, await videoClip({ width: 320, height: 240, seconds: 1 }), 'clip.mp4');
    expect(video).toMatchObject({ views: 0, likes: 0 });

    const batch = [
      event(video.id, 'play'),
      event(video.id, 'view_complete'),
      event(video.id, 'like'),
      event(video.id, 'view_complete'),
      event(video.id, 'like'),
      event(video.id, 'unlike'),
    ];
    expect(await post(batch)).toEqual({ status: 202, body: { accepted: 6, rejected: [] } });
    // The player did not hear back and sends the same batch again: same event_ids.
    expect((await post(batch)).status).toBe(202);
    expect((await post([event(video.id, 'view_complete')])).status).toBe(202);

    // The lake adds a chunk's counts before it commits the chunk's offsets: once all are committed, all are counted.
    await pipeline.caughtUp('events-lake', 'engagement.events');
    expect(await pipeline.video(token, video.id)).toMatchObject({ views: 3, likes: 1 });
  }, 90_000);
});
