// POST /v1/videos against the real MySQL, S3 and Kafka: the happy path end to end, and every refusal leaving
// nothing behind.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { VideoUploadedV1 } from '@reelforge/contracts';
import { sourceKey } from '@reelforge/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  footprint,
  type Harness,
  multipart,
  objectSha256,
  readTopic,
  register,
  sha256,
  startHarness,
  testVideo,
} from '../api.harness.js';

const run = promisify(execFile);
const MAX = 2 * 1024 * 1024;
let h: Harness;
let clip: Buffer;
let alice: Awaited<ReturnType<typeof register>>;

beforeAll(async () => {
  [h, clip] = await Promise.all([startHarness({ maxUploadBytes: MAX }), testVideo()]);
  alice = await register(h.app, 'alice@example.com');
});
afterAll(async () => h?.close());

const upload = (body: ReturnType<typeof multipart>, auth: Record<string, string> = alice.auth) =>
  h.app.inject({ method: 'POST', url: '/v1/videos', headers: { ...body.headers, ...auth }, payload: body.payload });

describe('POST /v1/videos', () => {
  it('streams the file to the raw bucket, records video and event in one go, and the relay publishes it', async () => {
    const res = await upload(
      multipart([
        { name: 'title', value: 'Test card' },
        { name: 'description', value: 'ffmpeg testsrc2' },
        { name: 'file', filename: 'card.mp4', content: clip },
      ]),
    );
    expect(res.statusCode).toBe(202);
    const video = res.json();
    expect(res.headers.location).toBe(`/v1/videos/${video.id}`);
    expect(video).toMatchObject({
      title: 'Test card',
      description: 'ffmpeg testsrc2',
      status: 'uploaded',
      visibility: 'private',
      progressPct: 0,
      source: { filename: 'card.mp4', bytes: clip.length, contentType: 'video/mp4', sha256: sha256(clip) },
    });

    // The object, byte for byte.
    expect(await objectSha256(h, h.raw, sourceKey(video.id))).toBe(sha256(clip));

    // The row and its outbox message, written together.
    const row = await h.db.selectFrom('videos').selectAll().where('id', '=', video.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ ownerId: alice.userId, status: 'uploaded', sourceSha256: sha256(clip) });
    const outbox = await h.db
      .selectFrom('outbox')
      .selectAll()
      .where('messageKey', '=', video.id)
      .orderBy('id')
      .execute();
    expect(outbox.map((o) => [o.topic, o.sentAt])).toEqual([
      ['video.status-changed', null],
      ['video.uploaded', null],
    ]);
    const event = VideoUploadedV1.parse(JSON.parse(outbox[1]?.payload ?? ''));
    expect(event).toMatchObject({
      videoId: video.id,
      attempt: 1,
      source: { bucket: h.raw, key: sourceKey(video.id) },
      bytes: clip.length,
      sha256: sha256(clip),
      contentType: 'video/mp4',
      ownerId: alice.userId,
    });

    // The relay publishes both, keyed by the video.
    expect(await h.relay().publishOnce()).toBe(2);
    const messages = await readTopic(h, `${h.topicPrefix}video.uploaded`, (m) => m.some((x) => x.key === video.id));
    const mine = messages.filter((m) => m.key === video.id);
    expect(mine).toHaveLength(1);
    expect(VideoUploadedV1.parse(JSON.parse(mine[0]?.value ?? ''))).toEqual(event);

    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ok' });

    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/reelforge_uploads_total\{path="api",service="upload-api-test"\} 1/);
    expect(metrics).toMatch(`reelforge_upload_bytes_total{path="api",service="upload-api-test"} ${clip.length}`);
    expect(metrics).toContain(
      'reelforge_http_request_duration_seconds_count{service="upload-api-test",method="POST",route="/v1/videos",status_code="202"} 1',
    );
  });

  it('takes fields sent after the file, as `curl -F file=@… -F title=…` sends them', async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const dir = await mkdtemp(join(tmpdir(), 'rf-curl-'));
    await writeFile(join(dir, 'clip.mp4'), clip);
    const { stdout } = await run('curl', [
      '-sS',
      '-H',
      `authorization: ${alice.auth.authorization}`,
      '-F',
      `file=@${join(dir, 'clip.mp4')}`,
      '-F',
      'title=hello',
      '-F',
      'description=sent last',
      '-w',
      '\n%{http_code}',
      `http://127.0.0.1:${port}/v1/videos`,
    ]);
    const [body, status] = stdout.split('\n');
    expect(status).toBe('202');
    const video = JSON.parse(body ?? '');
    expect(video).toMatchObject({ title: 'hello', description: 'sent last', source: { sha256: sha256(clip) } });
    const row = await h.db.selectFrom('videos').selectAll().where('id', '=', video.id).executeTakeFirstOrThrow();
    expect([row.title, row.description]).toEqual(['hello', 'sent last']);
    expect(await objectSha256(h, h.raw, sourceKey(video.id))).toBe(sha256(clip));
  });

  it('titles a video after its file when no title is given', async () => {
    const res = await upload(multipart([{ name: 'file', filename: 'holiday.final.mov', content: clip }]));
    expect([res.statusCode, res.json().title]).toEqual([202, 'holiday.final']);
  });
});

describe('refusals leave neither an object nor a row', () => {
  const padded = (bytes: number) => Buffer.concat([clip, Buffer.alloc(bytes - clip.length, 1)]);

  it.each([
    [
      'no token',
      () => upload(multipart([{ name: 'file', filename: 'a.mp4', content: clip }]), {}),
      401,
      'UNAUTHORIZED',
    ],
    [
      'a text file',
      () =>
        upload(
          multipart([{ name: 'file', filename: 'notes.mp4', content: Buffer.from('just some text\n'.repeat(500)) }]),
        ),
      415,
      'UNSUPPORTED_INPUT',
    ],
    [
      // The same sniffer as the transcoder's: no whitelisted demuxer reads an elementary stream, so neither does the API.
      'an MPEG-1/2 video elementary stream',
      () =>
        upload(
          multipart([
            {
              name: 'file',
              filename: 'clip.mpg',
              content: Buffer.concat([Buffer.from([0, 0, 1, 0xb3, 0x14, 0x00, 0xf0, 0x13]), Buffer.alloc(4000, 0x55)]),
            },
          ]),
        ),
      415,
      'UNSUPPORTED_INPUT',
    ],
    [
      'an empty file',
      () => upload(multipart([{ name: 'file', filename: 'empty.mp4', content: Buffer.alloc(0) }])),
      422,
      'EMPTY_INPUT',
    ],
    [
      'an oversize file whose length is announced',
      () => upload(multipart([{ name: 'file', filename: 'big.mp4', content: padded(MAX + 200_000) }])),
      413,
      'TOO_LARGE',
    ],
    [
      'an oversize file streamed without a length',
      () => {
        const body = multipart([{ name: 'file', filename: 'big.mp4', content: padded(MAX + 1) }]);
        return h.app.inject({
          method: 'POST',
          url: '/v1/videos',
          headers: { ...body.headers, ...alice.auth },
          payload: Readable.from([body.payload.subarray(0, 1000), body.payload.subarray(1000)]),
        });
      },
      413,
      'TOO_LARGE',
    ],
    [
      'a multipart body cut off mid-file',
      () => {
        const body = multipart([{ name: 'file', filename: 'cut.mp4', content: clip }]);
        return upload({ ...body, payload: body.payload.subarray(0, body.payload.length - 200) });
      },
      400,
      'BAD_REQUEST',
    ],
    [
      'a body that is not multipart',
      () => h.app.inject({ method: 'POST', url: '/v1/videos', headers: alice.auth, payload: { file: 'x' } }),
      400,
      'BAD_REQUEST',
    ],
    ['no file part', () => upload(multipart([{ name: 'title', value: 'nothing attached' }])), 400, 'BAD_REQUEST'],
    [
      // Checked only once the file is stored: the object must go again.
      'an invalid title after the file',
      () =>
        upload(
          multipart([
            { name: 'file', filename: 'a.mp4', content: clip },
            { name: 'title', value: 't'.repeat(201) },
          ]),
        ),
      400,
      'BAD_REQUEST',
    ],
    [
      'an unknown field after the file',
      () =>
        upload(
          multipart([
            { name: 'file', filename: 'a.mp4', content: clip },
            { name: 'owner', value: 'mallory' },
          ]),
        ),
      400,
      'BAD_REQUEST',
    ],
    [
      'an unknown field',
      () =>
        upload(
          multipart([
            { name: 'owner', value: 'mallory' },
            { name: 'file', filename: 'a.mp4', content: clip },
          ]),
        ),
      400,
      'BAD_REQUEST',
    ],
    [
      'a title that is too long',
      () =>
        upload(
          multipart([
            { name: 'title', value: 't'.repeat(201) },
            { name: 'file', filename: 'a.mp4', content: clip },
          ]),
        ),
      400,
      'BAD_REQUEST',
    ],
  ])('%s', async (_name, send, status, code) => {
    const before = await footprint(h);
    const res = await send();
    expect([res.statusCode, res.json().code]).toEqual([status, code]);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await footprint(h)).toEqual(before);
  });
});

describe('graceful shutdown', () => {
  it('finishes an upload that is streaming when the server closes', async () => {
    const own = await startHarness({ maxUploadBytes: MAX });
    try {
      const { auth } = await register(own.app, 'closer@example.com');
      await own.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = own.app.server.address() as { port: number };
      const body = multipart([{ name: 'file', filename: 'slow.mp4', content: clip }]);
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            port,
            host: '127.0.0.1',
            method: 'POST',
            path: '/v1/videos',
            headers: { ...body.headers, ...auth, 'content-length': body.payload.length },
          },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        req.write(body.payload.subarray(0, 5000));
        // Half the body is on the wire when the close begins; the rest follows.
        setTimeout(() => {
          closing = own.app.close();
          setTimeout(() => req.end(body.payload.subarray(5000)), 300);
        }, 200);
      });
      let closing: Promise<void> | undefined;
      const res = await response;
      await closing;
      expect(res.status).toBe(202);
      expect(await objectSha256(own, own.raw, sourceKey(JSON.parse(res.body).id))).toBe(sha256(clip));
    } finally {
      await own.close().catch(() => {});
    }
  });
});
