// The notifier's parts on real MySQL and loopback receivers: fan-out once per (endpoint, event) however often a
// message comes, endpoints that do not match left out, a 410 disabling its endpoint, a failing window disabling it
// with a reason, the per-endpoint cap, and two loops sharing the table without sending a delivery twice.
import { randomBytes, randomUUID } from 'node:crypto';
import type { VideoStatusChangedV1 } from '@reelforge/contracts';
import {
  createDb,
  type Database,
  type Kysely,
  migrateToLatest,
  UserRepository,
  VideoRepository,
  WebhookRepository,
} from '@reelforge/db';
import { createLogger, createRegistry } from '@reelforge/observability';
import { createTestDatabase, uniqueName, WebhookReceiver } from '@reelforge/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeliveryLoop } from './delivery.loop.js';
import { type DeliveryPolicy, defaultDeliveryPolicy } from './delivery.policy.js';
import { WebhookSender } from './delivery.sender.js';
import { Fanout } from './fanout.consumer.js';
import { notifierMetrics } from './notifier.metrics.js';

const logger = createLogger({ service: 'notifier-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;
let webhooks: WebhookRepository;
const receivers: WebhookReceiver[] = [];
const loops: DeliveryLoop[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 6 });
  await migrateToLatest(db);
  webhooks = new WebhookRepository(db);
});
// Each test's loops stop with it: the cap is per loop (per replica), and a loop left running would share the next
// test's deliveries.
afterEach(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await db?.destroy();
  await testDb?.drop();
});

const secret = () => `whsec_${randomBytes(24).toString('base64')}`;
const metrics = () => notifierMetrics(createRegistry('notifier-test'), () => webhooks.oldestDueAgeSeconds());
const sender = new WebhookSender({ allow: ['127.0.0.0/8'], connectTimeoutMs: 1000, timeoutMs: 3000 });
const fast: DeliveryPolicy = { ...defaultDeliveryPolicy, retry: { baseMs: 50, capMs: 100, jitter: 'none' } };

function loop(
  policy = fast,
  options: Partial<ConstructorParameters<typeof DeliveryLoop>[0]['options']> = {},
  using = sender,
) {
  const l = new DeliveryLoop({
    webhooks,
    sender: using,
    policy,
    metrics: metrics(),
    logger,
    options: { pollMs: 50, concurrency: 8, perEndpoint: 4, leaseMs: 10_000, ...options },
  });
  loops.push(l);
  return l;
}

async function owner(): Promise<string> {
  return (await new UserRepository(db).create({ email: `${uniqueName('n')}@example.com`, passwordHash: 'h' })).id;
}

async function endpoint(ownerId: string, events: string[], receiver?: WebhookReceiver) {
  const r = receiver ?? (await WebhookReceiver.start());
  if (!receiver) receivers.push(r);
  const s = secret();
  r.secrets.push(s);
  const row = await webhooks.createEndpoint({ ownerId, url: r.url, description: '', events, secret: s });
  return { receiver: r, id: row.id };
}

const change = (
  ownerId: string,
  to: VideoStatusChangedV1['to'],
  videoId: string = randomUUID(),
): VideoStatusChangedV1 => ({
  version: 1,
  eventId: randomUUID(),
  videoId,
  ownerId,
  from: 'processing',
  to,
  attempt: 1,
  error: to === 'failed' ? { code: 'DECODE_ERROR', message: 'The decoder gave up.' } : null,
  occurredAt: new Date().toISOString(),
});

const deliveriesOf = (endpointId: string) => webhooks.listDeliveries(endpointId);

describe('fan-out', () => {
  it('adds one delivery per matching endpoint, once however often the message comes', async () => {
    const alice = await owner();
    const ready = await endpoint(alice, ['video.ready']);
    const failed = await endpoint(alice, ['video.failed']);
    const other = await endpoint(await owner(), ['video.ready']);
    const fanout = new Fanout({ db, webhooks, metrics: metrics(), logger, links: {} });
    const message = change(alice, 'ready');
    await fanout.onStatusChanged(message, logger);
    await fanout.onStatusChanged(message, logger);
    await fanout.onStatusChanged({ ...change(alice, 'queued') }, logger);

    const got = await deliveriesOf(ready.id);
    expect(got.map((d) => [d.eventId, d.eventType, d.status, d.videoId])).toEqual([
      [message.eventId, 'video.ready', 'pending', message.videoId],
    ]);
    expect(JSON.parse(got[0]?.payload ?? '')).toEqual({
      type: 'video.ready',
      timestamp: message.occurredAt,
      data: {
        videoId: message.videoId,
        status: 'ready',
        previousStatus: 'processing',
        attempt: 1,
        error: null,
        links: {},
      },
    });
    expect(await deliveriesOf(failed.id)).toEqual([]);
    expect(await deliveriesOf(other.id)).toEqual([]);
  });

  it('links a ready public video to the CDN and the API, a private one to the API only', async () => {
    const alice = await owner();
    const { id } = await endpoint(alice, ['video.ready']);
    const videos = new VideoRepository(db);
    const make = async (visibility: 'public' | 'private') => {
      const video = await db
        .transaction()
        .execute((tx) => videos.create(tx, { ownerId: alice, title: 't', status: 'uploaded', visibility }));
      await db
        .updateTable('videos')
        .set({
          status: 'ready',
          hlsMasterKey: `videos/${video.id}/1/master.m3u8`,
          posterKey: `videos/${video.id}/1/p.jpg`,
        })
        .where('id', '=', video.id)
        .execute();
      return video.id;
    };
    const fanout = new Fanout({
      db,
      webhooks,
      metrics: metrics(),
      logger,
      links: { apiBaseUrl: 'https://api.example.com', cdnBaseUrl: 'https://cdn.example.com' },
    });
    const [pub, priv] = [await make('public'), await make('private')];
    await fanout.onStatusChanged(change(alice, 'ready', pub), logger);
    await fanout.onStatusChanged(change(alice, 'ready', priv), logger);
    const links = Object.fromEntries(
      (await deliveriesOf(id)).map((d) => [d.videoId, JSON.parse(d.payload).data.links]),
    );
    expect(links[pub]).toEqual({
      self: `https://api.example.com/v1/videos/${pub}`,
      hls: `https://cdn.example.com/videos/${pub}/1/master.m3u8`,
      poster: `https://cdn.example.com/videos/${pub}/1/p.jpg`,
      renditions: [],
    });
    expect(links[priv]).toEqual({ self: `https://api.example.com/v1/videos/${priv}` });
  });
});

describe('delivery', () => {
  it('stops on 410 Gone and disables the endpoint with the reason', async () => {
    const alice = await owner();
    const { receiver, id } = await endpoint(alice, ['video.failed']);
    receiver.script = [410];
    await new Fanout({ db, webhooks, metrics: metrics(), logger, links: {} }).onStatusChanged(
      change(alice, 'failed'),
      logger,
    );
    loop().start();
    await vi.waitFor(async () => expect((await deliveriesOf(id))[0]?.status).toBe('failed'), { timeout: 15_000 });
    const row = await webhooks.findEndpoint(id, alice);
    expect(row).toMatchObject({
      enabled: false,
      disabledReason: 'The endpoint answered 410 Gone: it asked not to be called again.',
    });
    expect(receiver.received.map((r) => [r.status, r.verifyError])).toEqual([[410, null]]);
    expect((await deliveriesOf(id))[0]?.attemptLog.map((a) => [a.statusCode, a.error, a.nextAttemptAt])).toEqual([
      [410, 'HTTP 410', null],
    ]);
  });

  it('disables an endpoint failing for longer than the window, saying since when', async () => {
    const alice = await owner();
    const { receiver, id } = await endpoint(alice, ['video.ready']);
    receiver.fallback = 503;
    const since = new Date(Date.now() - 3600_000);
    await db.updateTable('webhookEndpoints').set({ failingSince: since }).where('id', '=', id).execute();
    await new Fanout({ db, webhooks, metrics: metrics(), logger, links: {} }).onStatusChanged(
      change(alice, 'ready'),
      logger,
    );
    loop({ ...fast, disableAfterMs: 1800_000 }).start();
    await vi.waitFor(async () => expect((await webhooks.findEndpoint(id, alice))?.enabled).toBe(false), {
      timeout: 15_000,
    });
    expect((await webhooks.findEndpoint(id, alice))?.disabledReason).toBe(
      `Every attempt failed since ${since.toISOString()} (more than 1 h); last: HTTP 503`,
    );
  });

  it('keeps at most the cap in flight per endpoint, while another endpoint is not held up', async () => {
    const alice = await owner();
    const slow = await endpoint(alice, ['video.ready']);
    const quick = await endpoint(alice, ['video.ready']);
    let inFlight = 0;
    let most = 0;
    let open = false;
    const held: (() => void)[] = [];
    slow.receiver.onRequest = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      if (!open) await new Promise<void>((r) => held.push(r));
      inFlight--;
    };
    const fanout = new Fanout({ db, webhooks, metrics: metrics(), logger, links: {} });
    for (let i = 0; i < 5; i++) await fanout.onStatusChanged(change(alice, 'ready'), logger);
    // A timeout longer than the test holds the slow receiver's answers.
    const patient = new WebhookSender({ allow: ['127.0.0.0/8'], connectTimeoutMs: 1000, timeoutMs: 60_000 });
    loop(fast, { perEndpoint: 2, concurrency: 8 }, patient).start();

    // The quick endpoint gets all five while the slow one holds two requests, and no more.
    await vi.waitFor(() => expect(quick.receiver.verified).toHaveLength(5), { timeout: 20_000 });
    expect(inFlight).toBe(2);
    open = true;
    for (const release of held.splice(0)) release();
    await vi.waitFor(
      async () => expect((await deliveriesOf(slow.id)).map((d) => d.status)).toEqual(Array(5).fill('delivered')),
      { timeout: 20_000 },
    );
    expect(most).toBe(2);
    await patient.close();
  });

  it('shares due deliveries between two loops without sending one twice', async () => {
    const alice = await owner();
    const { receiver, id } = await endpoint(alice, ['video.ready']);
    const fanout = new Fanout({ db, webhooks, metrics: metrics(), logger, links: {} });
    for (let i = 0; i < 20; i++) await fanout.onStatusChanged(change(alice, 'ready'), logger);
    loop(fast, { perEndpoint: 3 }).start();
    loop(fast, { perEndpoint: 3 }).start();
    await vi.waitFor(
      async () => expect((await deliveriesOf(id)).filter((d) => d.status === 'delivered')).toHaveLength(20),
      { timeout: 30_000 },
    );
    const ids = receiver.received.map((r) => r.webhookId);
    expect(new Set(ids).size).toBe(20);
    expect(ids).toHaveLength(20);
    expect(receiver.received.every((r) => r.verifyError === null)).toBe(true);
  });
});
