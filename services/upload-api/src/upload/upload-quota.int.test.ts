// The upload API's trust boundary against the real MySQL and S3: per-user quotas that hold under concurrent
// requests, the per-instance cap on streamed uploads, and the idle timeout that cuts a stalled body while the server
// keeps answering everyone else.
import { request } from 'node:http';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { sourceKey } from '@reelforge/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprint, type Harness, multipart, register, startHarness, testVideo } from '../api.harness.js';

const MiB = 1024 * 1024;
const IDLE_MS = 1000;
let h: Harness;
let clip: Buffer;
let port: number;

beforeAll(async () => {
  [h, clip] = await Promise.all([
    startHarness({
      maxUploadBytes: 64 * MiB,
      quotas: { streamingUploads: 1, openDirectUploads: 2, unfinishedVideos: 4, dailyUploadBytes: 40 * MiB },
      maxConcurrentUploads: 2,
      uploadIdleTimeoutMs: IDLE_MS,
    }),
    testVideo(),
  ]);
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as { port: number }).port;
});
afterAll(async () => h?.close());

const createDirect = (auth: Record<string, string>, bytes: number) =>
  h.app.inject({
    method: 'POST',
    url: '/v1/uploads',
    headers: auth,
    payload: { filename: 'big.mp4', bytes, contentType: 'video/mp4' },
  });
const streamed = (auth: Record<string, string>, content = clip) => {
  const body = multipart([{ name: 'file', filename: 'clip.mp4', content }]);
  return h.app.inject({
    method: 'POST',
    url: '/v1/videos',
    headers: { ...body.headers, ...auth },
    payload: body.payload,
  });
};

interface Answer {
  status: number;
  body: string;
  /** When the answer arrived, ms after the last byte was sent. */
  afterLastByteMs: number;
}

/** A real connection that sends the headers and the first `sendBytes` of a multipart body, then nothing. */
function stalledUpload(
  auth: Record<string, string>,
  sendBytes: number,
): { answer: Promise<Answer>; sent: Promise<void> } {
  const body = multipart([{ name: 'file', filename: 'stalled.mp4', content: clip }]);
  let lastByteAt = 0;
  let markSent: () => void = () => {};
  const sent = new Promise<void>((resolve) => (markSent = resolve));
  const answer = new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/videos',
        headers: { ...body.headers, ...auth, 'content-length': body.payload.length },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text, afterLastByteMs: Date.now() - lastByteAt }),
        );
      },
    );
    req.on('error', reject);
    req.write(body.payload.subarray(0, sendBytes), () => {
      lastByteAt = Date.now();
      markSent();
    });
  });
  return { answer, sent };
}

/** Waits until the server holds `n` streamed uploads of `userId` in flight (their leases). */
const leases = async (userId?: string) =>
  (await h.db.selectFrom('uploadLeases').select('userId').execute()).filter((l) => !userId || l.userId === userId)
    .length;

describe('per-user quotas', () => {
  it('lets exactly the quota of concurrent direct uploads open, however many race, and opens nothing for the rest', async () => {
    const carol = await register(h.app, 'carol@example.com');
    const results = await Promise.all(Array.from({ length: 5 }, () => createDirect(carol.auth, 6 * MiB)));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([201, 201, 429, 429, 429]);
    const refused = results.find((r) => r.statusCode === 429);
    expect(refused?.headers['content-type']).toContain('application/problem+json');
    expect(refused?.json()).toMatchObject({ code: 'QUOTA_EXCEEDED', status: 429 });
    expect(refused?.json().detail).toMatch(/^quota openDirectUploads: at most 2 open direct uploads/);
    // Waiting does not free a slot: only completing (or abandoning) one does, so no Retry-After.
    expect(refused?.headers['retry-after']).toBeUndefined();
    const rows = await h.db.selectFrom('videos').select('id').where('ownerId', '=', carol.userId).execute();
    expect(rows).toHaveLength(2);
    const open = (await h.s3.send(new ListMultipartUploadsCommand({ Bucket: h.raw }))).Uploads ?? [];
    // The three refused opened nothing in S3 (or aborted what they opened).
    expect(open.filter((u) => u.Key && !rows.some((r) => u.Key === sourceKey(r.id)))).toEqual([]);
  });

  it('refuses bytes beyond the daily allowance before storing any, with Retry-After at the next UTC day', async () => {
    const dave = await register(h.app, 'dave@example.com');
    expect((await createDirect(dave.auth, 30 * MiB)).statusCode).toBe(201);
    const direct = await createDirect(dave.auth, 11 * MiB);
    expect([direct.statusCode, direct.json().code]).toEqual([429, 'QUOTA_EXCEEDED']);
    expect(direct.json().detail).toMatch(/^quota dailyUploadBytes: /);
    const retryAfter = Number(direct.headers['retry-after']);
    const toMidnight = 86_400 - ((Date.now() / 1000) % 86_400);
    expect(Math.abs(retryAfter - toMidnight)).toBeLessThan(5);

    // A streamed body whose declared length does not fit is refused before a byte of it is read.
    const before = await footprint(h);
    const big = Buffer.concat([clip, Buffer.alloc(11 * MiB, 1)]);
    const res = await streamed(dave.auth, big);
    expect([res.statusCode, res.json().code]).toEqual([429, 'QUOTA_EXCEEDED']);
    expect(await footprint(h)).toEqual(before);
    // What fits still goes through.
    expect((await streamed(dave.auth)).statusCode).toBe(202);
  });

  it('refuses a second concurrent streamed upload of one user, not of another, and frees the slot when it ends', async () => {
    const erin = await register(h.app, 'erin@example.com');
    const frank = await register(h.app, 'frank@example.com');
    const stalled = stalledUpload(erin.auth, 2000);
    await stalled.sent;
    await expect.poll(() => leases(erin.userId)).toBe(1);

    const second = await streamed(erin.auth);
    expect([second.statusCode, second.json().code]).toEqual([429, 'QUOTA_EXCEEDED']);
    expect(second.json().detail).toMatch(/^quota streamingUploads: /);
    expect((await streamed(frank.auth)).statusCode).toBe(202);

    // The stalled one is cut by the idle timeout; its lease goes with it and the next upload is taken.
    expect((await stalled.answer).status).toBe(408);
    expect(await leases(erin.userId)).toBe(0);
    expect((await streamed(erin.auth)).statusCode).toBe(202);
  });
});

describe('a stalled upload body', () => {
  it('is cut with 408 within the idle limit, leaves nothing behind, and the server answers others meanwhile', async () => {
    const gina = await register(h.app, 'gina@example.com');
    const hank = await register(h.app, 'hank@example.com');
    const before = await footprint(h);
    const stalled = stalledUpload(gina.auth, clip.length / 2);
    await stalled.sent;

    // Meanwhile: probes, reads and a whole upload by someone else.
    const started = Date.now();
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const other = await streamed(hank.auth);
    expect(other.statusCode).toBe(202);
    expect(Date.now() - started).toBeLessThan(IDLE_MS);

    const answer = await stalled.answer;
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'REQUEST_TIMEOUT', status: 408 });
    // Cut after the idle limit, and not much later (the watch looks every tenth of it).
    expect(answer.afterLastByteMs).toBeGreaterThanOrEqual(IDLE_MS);
    expect(answer.afterLastByteMs).toBeLessThan(IDLE_MS + 1000);

    // Only hank's upload is there: gina's partial object was removed, no row, no lease.
    const after = await footprint(h);
    expect(after.videos).toBe(before.videos + 1);
    expect([...after.objects].sort()).toEqual([...before.objects, sourceKey(other.json().id)].sort());
    expect(await leases(gina.userId)).toBe(0);
  });
});

describe('the per-instance cap', () => {
  it('answers 503 SERVER_BUSY with Retry-After while this instance holds its maximum of streamed uploads', async () => {
    const [ivy, jack, kim] = await Promise.all([
      register(h.app, 'ivy@example.com'),
      register(h.app, 'jack@example.com'),
      register(h.app, 'kim@example.com'),
    ]);
    const a = stalledUpload(ivy.auth, 2000);
    const b = stalledUpload(jack.auth, 2000);
    await Promise.all([a.sent, b.sent]);
    await expect.poll(() => leases()).toBe(2);
    const res = await streamed(kim.auth);
    expect([res.statusCode, res.json().code]).toEqual([503, 'SERVER_BUSY']);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect([(await a.answer).status, (await b.answer).status]).toEqual([408, 408]);
    expect((await streamed(kim.auth)).statusCode).toBe(202);
  });
});
