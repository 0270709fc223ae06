// The outbox relay against the real MySQL and Kafka: uploads succeed while Kafka is unreachable and their events go
// out exactly once when it is back; delayed rows wait for `available_at`; two relays never publish a row twice.
import { createServer } from 'node:net';
import { OutboxRepository } from '@reelforge/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, multipart, readTopic, register, startHarness, testVideo } from '../api.harness.js';

let h: Harness;
let clip: Buffer;
let alice: Awaited<ReturnType<typeof register>>;

beforeAll(async () => {
  [h, clip] = await Promise.all([startHarness(), testVideo()]);
  alice = await register(h.app, 'alice@example.com');
});
afterAll(async () => h?.close());

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const until = async (check: () => Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
};

const topic = () => `${h.topicPrefix}video.uploaded`;
const fakeEvent = (videoId: string) => ({
  version: 1 as const,
  videoId,
  attempt: 2,
  source: { bucket: h.raw, key: `sources/${videoId}/original` },
  bytes: 1,
  sha256: 'a'.repeat(64),
  contentType: 'video/mp4',
  ownerId: alice.userId,
  uploadedAt: new Date().toISOString(),
});

describe('outbox relay', () => {
  it('keeps taking uploads while Kafka is unreachable, and publishes their events exactly once when it is back', async () => {
    const down = h.relay(h.producer([`127.0.0.1:${await deadPort()}`]));
    down.start();
    const body = multipart([{ name: 'file', filename: 'offline.mp4', content: clip }]);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/videos',
      headers: { ...body.headers, ...alice.auth },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(202);
    const { id } = res.json();

    // The relay keeps failing to connect; the row waits, and the lag gauge shows it.
    await new Promise((r) => setTimeout(r, 1200));
    const row = await h.db.selectFrom('outbox').selectAll().where('messageKey', '=', id).executeTakeFirstOrThrow();
    expect(row.sentAt).toBeNull();
    const lag = /reelforge_outbox_oldest_unsent_age_seconds\{[^}]*\} ([\d.]+)/.exec(
      (await h.app.inject({ method: 'GET', url: '/metrics' })).body,
    );
    expect(Number(lag?.[1])).toBeGreaterThan(1);
    await down.stop();

    // Kafka reachable again: a relay on the real brokers drains it.
    const up = h.relay();
    up.start();
    await until(async () => {
      const r = await h.db.selectFrom('outbox').select('sentAt').where('id', '=', row.id).executeTakeFirstOrThrow();
      return r.sentAt !== null;
    });
    // Read well past the first copy: a duplicate would show up here.
    const messages = await readTopic(h, topic(), () => false, 3000);
    expect(messages.filter((m) => m.key === id)).toHaveLength(1);
    await up.stop();
  });

  it('does not publish a row before its available_at', async () => {
    const outbox = new OutboxRepository(h.db);
    const videoId = '11111111-2222-4333-8444-555555555555';
    await h.db.transaction().execute((tx) =>
      outbox.add(tx, {
        topic: 'video.uploaded',
        payload: fakeEvent(videoId),
        availableAt: new Date(Date.now() + 1500),
      }),
    );
    const relay = h.relay();
    expect(await relay.publishOnce()).toBe(0);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await relay.publishOnce()).toBe(1);
    const messages = await readTopic(h, topic(), (m) => m.some((x) => x.key === videoId));
    expect(messages.filter((m) => m.key === videoId).map((m) => JSON.parse(m.value).attempt)).toEqual([2]);
  });

  it('shares the outbox between replicas without publishing any row twice', async () => {
    const outbox = new OutboxRepository(h.db);
    const ids = Array.from({ length: 30 }, (_, i) => `22222222-0000-4000-8000-${String(i).padStart(12, '0')}`);
    await h.db.transaction().execute(async (tx) => {
      for (const id of ids) await outbox.add(tx, { topic: 'video.uploaded', payload: fakeEvent(id) });
    });
    // Small batches so the two really interleave.
    const [a, b] = [h.relay(undefined, { batchSize: 4 }), h.relay(undefined, { batchSize: 4 })];
    const drain = async (relay: typeof a) => {
      let total = 0;
      for (let n = -1; n !== 0; ) {
        n = await relay.publishOnce();
        total += n;
      }
      return total;
    };
    const [sentA, sentB] = await Promise.all([drain(a), drain(b)]);
    expect(sentA + sentB).toBe(ids.length);
    const wanted = new Set(ids);
    // Read for a while rather than stopping at 30: a duplicate would arrive among or after them.
    const messages = await readTopic(h, topic(), () => false, 3000);
    expect(
      messages
        .filter((m) => wanted.has(m.key ?? ''))
        .map((m) => m.key)
        .sort(),
    ).toEqual([...ids].sort());
  });
});
