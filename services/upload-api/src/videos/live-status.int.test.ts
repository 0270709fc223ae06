// GET /v1/videos/:id/events against real Kafka and MySQL: the first event is the stored state, then changes come
// from the pipeline's messages (the periodic re-read is set far beyond the test, so only Kafka can bring them),
// and the stream ends at ready or failed. Owner only; the per-instance cap answers 503.
import { createEventProducer, createKafka, type EventProducer, type RunningConsumer } from '@reelforge/kafka';
import { createLogger } from '@reelforge/observability';
import { createTestTopics } from '@reelforge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, multipart, register, startHarness, testVideo } from '../api.harness.js';
import { liveStatusTopics, startLiveStatusConsumer } from './live-status.consumer.js';

let h: Harness;
let base: string;
let clip: Buffer;
let consumer: RunningConsumer;
let producer: EventProducer;
let alice: Awaited<ReturnType<typeof register>>;
let bob: Awaited<ReturnType<typeof register>>;

beforeAll(async () => {
  const topics = await createTestTopics([...liveStatusTopics]);
  [h, clip] = await Promise.all([
    startHarness({ live: { maxSubscribers: 3, heartbeatMs: 200, resyncMs: 10 * 60_000 } }),
    testVideo(),
  ]);
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const logger = createLogger({ service: 'live-test', level: 'silent' });
  const kafka = createKafka({ brokers: h.brokers, clientId: 'live-test', logger, logLevel: 'error' });
  consumer = await startLiveStatusConsumer({ kafka, hub: h.app.liveStatus, logger, topicPrefix: topics.prefix });
  await consumer.ready();
  producer = createEventProducer(kafka, { topicPrefix: topics.prefix });
  await producer.connect();
  [alice, bob] = await Promise.all([register(h.app, 'alice@example.com'), register(h.app, 'bob@example.com')]);
});
afterAll(async () => {
  await producer?.disconnect();
  await consumer?.stop();
  await h?.close();
});

async function upload(): Promise<string> {
  const body = multipart([{ name: 'file', filename: 'clip.mp4', content: clip }]);
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/videos',
    headers: { ...body.headers, ...alice.auth },
    payload: body.payload,
  });
  expect(res.statusCode).toBe(202);
  return res.json().id;
}

interface Stream {
  /** Every `video` event so far, parsed. */
  events: { id: string; video: { status: string; progressPct: number; error?: { code: string } } }[];
  pings: number;
  ended: Promise<void>;
  close(): void;
}

async function open(id: string, auth: Record<string, string> = alice.auth): Promise<Response | Stream> {
  const aborter = new AbortController();
  const res = await fetch(`${base}/v1/videos/${id}/events`, { headers: auth, signal: aborter.signal });
  if (res.status !== 200 || !res.body) return res;
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const stream: Stream = { events: [], pings: 0, ended: Promise.resolve(), close: () => aborter.abort() };
  stream.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block === ': ping') stream.pings++;
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const eventId = /^id: (.*)$/m.exec(block)?.[1];
          if (data && eventId) stream.events.push({ id: eventId, video: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (err) {
      if (!aborter.signal.aborted) throw err;
    }
  })();
  return stream;
}

const statuses = (s: Stream) => s.events.map((e) => `${e.video.status}:${e.video.progressPct}`);

describe('live status', () => {
  it('sends the stored state, then progress and status from Kafka, and ends at failed', async () => {
    const id = await upload();
    const stream = (await open(id)) as Stream;
    await expect.poll(() => statuses(stream)).toEqual(['uploaded:0']);

    await h.db.updateTable('videos').set({ status: 'processing' }).where('id', '=', id).execute();
    await producer.send('video.transcode-started', [
      {
        version: 1,
        videoId: id,
        attempt: 1,
        durationSec: 1,
        frameCount: 25,
        width: 320,
        height: 240,
        startedAt: new Date().toISOString(),
      },
    ]);
    await expect.poll(() => statuses(stream)).toEqual(['uploaded:0', 'processing:0']);

    // Progress is not in the database: only the message can bring it. A stale attempt's is ignored.
    await producer.send('video.transcode-progress', [
      { version: 1, videoId: id, attempt: 2, percent: 90 },
      { version: 1, videoId: id, attempt: 1, percent: 42.7 },
    ]);
    await expect.poll(() => statuses(stream)).toEqual(['uploaded:0', 'processing:0', 'processing:42']);
    await expect.poll(() => stream.pings).toBeGreaterThan(0);

    // The result message may come before completion's write (here it is sent first): the hub re-reads until the
    // row shows it.
    await producer.send('video.transcode-failed', [
      { version: 1, videoId: id, attempt: 1, code: 'UNSUPPORTED_INPUT', message: 'no', retryable: false },
    ]);
    await h.db
      .updateTable('videos')
      .set({ status: 'failed', errorCode: 'UNSUPPORTED_INPUT', errorMessage: 'not a video we can read' })
      .where('id', '=', id)
      .execute();
    await stream.ended;
    expect(statuses(stream)).toEqual(['uploaded:0', 'processing:0', 'processing:42', 'failed:0']);
    expect(stream.events.at(-1)?.video).toMatchObject({ error: { code: 'UNSUPPORTED_INPUT' } });
    expect(h.app.liveStatus.subscribers).toBe(0);

    // A reconnect to a finished video gets its final state and the end at once.
    const again = (await open(id)) as Stream;
    await again.ended;
    expect(statuses(again)).toEqual(['failed:0']);
  });

  it('answers 401 without a token and 404 to anyone but the owner', async () => {
    const id = await upload();
    const anonymous = (await open(id, {})) as Response;
    expect([anonymous.status, ((await anonymous.json()) as { code: string }).code]).toEqual([401, 'UNAUTHORIZED']);
    for (const target of [id, '00000000-0000-4000-8000-000000000000']) {
      const res = (await open(target, bob.auth)) as Response;
      expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
    }
  });

  it('refuses streams beyond the per-instance cap with 503 and frees a slot when a client leaves', async () => {
    const id = await upload();
    const streams = (await Promise.all([open(id), open(id), open(id)])) as Stream[];
    await expect.poll(() => streams.every((s) => s.events.length === 1)).toBe(true);
    const over = (await open(id)) as Response;
    expect([over.status, ((await over.json()) as { code: string }).code]).toEqual([503, 'SERVER_BUSY']);
    streams[0]?.close();
    await expect.poll(() => h.app.liveStatus.subscribers, { timeout: 15_000 }).toBe(2);
    const next = (await open(id)) as Stream;
    await expect.poll(() => next.events.length).toBe(1);
    for (const s of [...streams, next]) s.close();
    await expect.poll(() => h.app.liveStatus.subscribers).toBe(0);
  });
});
