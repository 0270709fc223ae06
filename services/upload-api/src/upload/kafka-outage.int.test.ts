// Uploads against the real MySQL and Kafka while Kafka is unreachable: they succeed, and their events go out
// exactly once when it is back. (The relay itself is tested in packages/outbox.)
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

describe('uploads while Kafka is unreachable', () => {
  it('keeps taking uploads, and publishes their events exactly once when Kafka is back', async () => {
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
    const row = await h.db
      .selectFrom('outbox')
      .selectAll()
      .where('messageKey', '=', id)
      .where('topic', '=', 'video.uploaded')
      .executeTakeFirstOrThrow();
    await expect
      .poll(
        async () => {
          const lag = /reelforge_outbox_oldest_unsent_age_seconds\{[^}]*\} ([\d.]+)/.exec(
            (await h.app.inject({ method: 'GET', url: '/metrics' })).body,
          );
          return Number(lag?.[1]);
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBeGreaterThan(1);
    const waiting = await h.db.selectFrom('outbox').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(waiting).toMatchObject({ sentAt: null, publishAttempts: 0 });
    await down.stop();

    // Kafka reachable again: a relay on the real brokers drains it.
    const up = h.relay();
    up.start();
    await vi.waitFor(
      async () => {
        const r = await h.db.selectFrom('outbox').select('sentAt').where('id', '=', row.id).executeTakeFirstOrThrow();
        expect(r.sentAt).not.toBeNull();
      },
      { timeout: 15_000, interval: 100 },
    );
    // Read well past the first copy: a duplicate would show up here.
    const messages = await readTopic(h, `${h.topicPrefix}video.uploaded`, () => false, 3000);
    expect(messages.filter((m) => m.key === id)).toHaveLength(1);
    await up.stop();
  });
});
