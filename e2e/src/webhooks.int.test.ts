// Webhooks end to end on an isolated pipeline: endpoints registered through the API, a local receiver on loopback
// (allowed, as `./reelforge up` allows it) that verifies every delivery with the PyPI `standardwebhooks` library, the
// notifier as a process of its own — retried, SIGKILLed mid-delivery, refusing to follow a redirect.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookReceiver } from '@reelforge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoClip } from './media.clips.js';
import { eventually, Pipeline } from './pipeline.stack.js';

let pipeline: Pipeline;
let token: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  pipeline = await Pipeline.create();
  await Promise.all(
    (['upload-api', 'dispatcher', 'completion', 'playback-edge', 'notifier'] as const).map((s) => pipeline.start(s)),
  );
  token = await pipeline.register();
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await pipeline?.close();
});

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${pipeline.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as T };
}

interface Delivery {
  id: string;
  webhookId: string;
  type: string;
  status: string;
  attempts: { statusCode: number | null; error: string | null; latencyMs: number }[];
}

/** A receiver and an endpoint pointing at it, with the receiver holding the endpoint's secret. */
async function endpoint(events: string[], url?: string) {
  const receiver = await WebhookReceiver.start();
  receivers.push(receiver);
  const created = await api<{ id: string; secret: string }>('POST', '/v1/webhooks', {
    url: url ?? receiver.url,
    events,
  });
  expect(created.status).toBe(201);
  receiver.secrets = [created.body.secret];
  return { receiver, id: created.body.id };
}

const deliveries = async (id: string) =>
  (await api<{ items: Delivery[] }>('GET', `/v1/webhooks/${id}/deliveries`)).body.items;

describe('webhooks', () => {
  it('tell a receiver a clip is processing and then ready, signed, with playback links that work', async () => {
    const { receiver } = await endpoint(['video.processing', 'video.ready', 'video.failed']);
    const upload = await pipeline.upload(token, await videoClip({ width: 640, height: 360, seconds: 2 }), 'hook.mp4');
    // Public, so the ready event carries plain playback links (a private video's are fetched from `self`).
    await pipeline.update(token, upload.id, { visibility: 'public' });
    expect((await pipeline.settled(token, upload.id)).status).toBe('ready');

    const ready = await eventually(
      'video.ready received',
      async () =>
        receiver.received.find((r) => (r.verified as { type?: string } | null)?.type === 'video.ready') ?? null,
      60_000,
    );
    // Every request the receiver got verified with the reference library; processing came before ready.
    expect(receiver.received.map((r) => r.verifyError)).toEqual(receiver.received.map(() => null));
    const types = receiver.verified.map((r) => (r.verified as { type: string }).type);
    expect(types.filter((t) => t !== 'video.processing' && t !== 'video.ready')).toEqual([]);
    expect(types.indexOf('video.processing')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('video.processing')).toBeLessThan(types.indexOf('video.ready'));

    const body = ready.verified as {
      data: {
        videoId: string;
        status: string;
        previousStatus: string;
        links: { self: string; hls: string; poster: string; renditions: { mp4: string }[] };
      };
    };
    expect(body.data).toMatchObject({ videoId: upload.id, status: 'ready', previousStatus: 'processing' });
    expect(body.data.links.self).toBe(`${pipeline.apiUrl}/v1/videos/${upload.id}`);
    const urls = [body.data.links.hls, body.data.links.poster, ...body.data.links.renditions.map((r) => r.mp4)];
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) {
      const res = await fetch(url);
      expect([url, res.status, (await res.arrayBuffer()).byteLength > 0]).toEqual([url, 200, true]);
    }
  });

  it('retries a receiver answering 500, 500, then 200: three attempts with one webhook-id, in the delivery log', async () => {
    const { receiver, id } = await endpoint(['video.ready']);
    receiver.script = [500, 500, 200];
    expect((await api('POST', `/v1/webhooks/${id}/test`)).status).toBe(202);
    const [delivered] = await eventually(
      'the test delivery delivered',
      async () => {
        const items = await deliveries(id);
        return items[0]?.status === 'delivered' ? items : null;
      },
      30_000,
    );
    expect(delivered?.attempts.map((a) => [a.statusCode, a.error])).toEqual([
      [500, 'HTTP 500'],
      [500, 'HTTP 500'],
      [200, null],
    ]);
    expect(receiver.received.map((r) => [r.webhookId, r.status, r.verifyError])).toEqual([
      [delivered?.webhookId, 500, null],
      [delivered?.webhookId, 500, null],
      [delivered?.webhookId, 200, null],
    ]);
    // Each attempt is signed anew over its own timestamp (each verified above), the id stays: attempts in different
    // seconds carry different signatures; two in one second share one (Standard Webhooks timestamps are seconds).
    const distinct = (values: string[]) => new Set(values).size;
    expect(distinct(receiver.received.map((r) => r.signature))).toBe(
      distinct(receiver.received.map((r) => r.timestamp)),
    );
  });

  it('still delivers when the notifier is SIGKILLed mid-delivery: again, with the same webhook-id', async () => {
    const { receiver, id } = await endpoint(['video.ready']);
    let killed = false;
    receiver.onRequest = async () => {
      if (killed) return;
      killed = true;
      await pipeline.current.get('notifier')?.kill();
    };
    expect((await api('POST', `/v1/webhooks/${id}/test`)).status).toBe(202);
    await eventually('the notifier killed', async () => (killed ? true : null), 30_000);
    await pipeline.start('notifier');
    const [delivery] = await eventually(
      'delivered after the restart',
      async () => {
        const items = await deliveries(id);
        return items[0]?.status === 'delivered' ? items : null;
      },
      30_000,
    );
    expect(receiver.received.length).toBeGreaterThanOrEqual(2);
    expect(new Set(receiver.received.map((r) => r.webhookId))).toEqual(new Set([delivery?.webhookId]));
    expect(receiver.received.every((r) => r.verifyError === null)).toBe(true);
    // The killed attempt was never recorded: the log shows the one that got its answer.
    expect(delivery?.attempts.map((a) => a.statusCode)).toEqual([204]);
  });

  it('does not follow a redirect to loopback: the attempt is recorded as a failure saying so', async () => {
    const { receiver } = await endpoint(['video.ready']);
    const redirector = createServer((req, res) => {
      req.resume();
      res.writeHead(302, { location: receiver.url }).end();
    });
    redirector.listen(0, '127.0.0.1');
    await once(redirector, 'listening');
    try {
      const { id } = await endpoint(['video.ready'], `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/`);
      expect((await api('POST', `/v1/webhooks/${id}/test`)).status).toBe(202);
      const [delivery] = await eventually(
        'a redirect attempt recorded',
        async () => {
          const items = await deliveries(id);
          return items[0]?.attempts.length ? items : null;
        },
        30_000,
      );
      expect(delivery?.attempts[0]).toMatchObject({ statusCode: 302, error: 'HTTP 302: redirects are not followed' });
      expect(delivery?.status).toBe('pending');
      expect(receiver.received).toEqual([]);
    } finally {
      redirector.closeAllConnections();
      redirector.close();
    }
  });
});
