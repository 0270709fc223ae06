// The edge against the real object store: what a player gets for whole files, ranges and HEADs, that nothing
// outside videos/ (or a traversal towards it) is served, and who may read: a public video's plain paths, a private
// video's only under a valid token for it.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client, publicMarkerKey, signPlaybackToken } from '@reelforge/storage';
import { createTestBuckets, stackEnv } from '@reelforge/testkit';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';

let app: FastifyInstance;
let port: number;
let bucket: string;
const pub = '11111111-2222-4333-8444-555555555555';
const priv = '99999999-8888-4777-8666-555555555555';
const secrets = ['edge-test-secret-new-0123456789abcdef', 'edge-test-secret-old-0123456789abcdef'];
const NOW = 1_800_000_000;
const token = (videoId: string, expiresAt = NOW + 600, secret = secrets[0] as string) =>
  signPlaybackToken(secret, { videoId, expiresAt });
const segment = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

/** A request with the path sent exactly as written: fetch() and URL parsing would resolve `..` first. */
function raw(path: string, method = 'GET', headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

beforeAll(async () => {
  const env = await stackEnv();
  const buckets = await createTestBuckets('processed');
  bucket = buckets.processed;
  const put = (Key: string, Body: Buffer | string, ContentType: string) =>
    buckets.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType }));
  await put('videos/11111111-2222-4333-8444-555555555555/1/hls/480p/seg_00001.m4s', segment, 'video/iso.segment');
  await put(
    'videos/11111111-2222-4333-8444-555555555555/1/hls/master.m3u8',
    '#EXTM3U\n',
    'application/vnd.apple.mpegurl',
  );
  await put(`videos/${priv}/1/hls/master.m3u8`, '#EXTM3U\n#private\n', 'application/vnd.apple.mpegurl');
  await put(publicMarkerKey(pub), '', 'application/octet-stream');
  await put('sources/11111111-2222-4333-8444-555555555555/original', 'the uploader’s original', 'video/mp4');
  buckets.s3.destroy();
  app = await buildApp({
    s3: createS3Client({ region: env.AWS_REGION, endpoint: env.S3_ENDPOINT, forcePathStyle: true }),
    bucket,
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
    tokenSecrets: secrets,
    nowMs: () => NOW * 1000,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(() => app?.close());

describe('playback edge', () => {
  it('serves a whole file with its type, length, validators and caching', async () => {
    const res = await raw('/videos/11111111-2222-4333-8444-555555555555/1/hls/480p/seg_00001.m4s');
    expect(res.status).toBe(200);
    expect(res.body.equals(segment)).toBe(true);
    expect(res.headers).toMatchObject({
      'content-type': 'video/iso.segment',
      'content-length': '1000',
      'accept-ranges': 'bytes',
      'cache-control': 'public, max-age=86400, immutable',
    });
    expect(res.headers.etag).toMatch(/^"[^"]+"$/);
    expect(Date.parse(String(res.headers['last-modified']))).toBeGreaterThan(Date.now() - 600_000);
    expect((await raw('/videos/11111111-2222-4333-8444-555555555555/1/hls/master.m3u8')).headers['cache-control']).toBe(
      'public, max-age=60',
    );
  });

  it('passes a range through: 206, Content-Range and exactly those bytes', async () => {
    const res = await raw('/videos/11111111-2222-4333-8444-555555555555/1/hls/480p/seg_00001.m4s', 'GET', {
      range: 'bytes=100-199',
    });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 100-199/1000');
    expect(res.headers['content-length']).toBe('100');
    expect(res.body.equals(segment.subarray(100, 200))).toBe(true);

    const tail = await raw('/videos/11111111-2222-4333-8444-555555555555/1/hls/480p/seg_00001.m4s', 'GET', {
      range: 'bytes=-10',
    });
    expect([tail.status, tail.headers['content-range']]).toEqual([206, 'bytes 990-999/1000']);
    expect(tail.body.equals(segment.subarray(990))).toBe(true);
  });

  it('answers a range past the end with 416 and the file size', async () => {
    const res = await raw('/videos/11111111-2222-4333-8444-555555555555/1/hls/480p/seg_00001.m4s', 'GET', {
      range: 'bytes=5000-6000',
    });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */1000');
  });

  it('answers HEAD with the headers of the file and no body', async () => {
    const res = await raw('/videos/11111111-2222-4333-8444-555555555555/1/hls/480p/seg_00001.m4s', 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'content-length': '1000', 'content-type': 'video/iso.segment' });
    expect(res.body.length).toBe(0);
  });

  it.each([
    ['a missing object', '/videos/11111111-2222-4333-8444-555555555555/1/hls/480p/seg_09999.m4s'],
    ['a key outside videos/', '/sources/11111111-2222-4333-8444-555555555555/original'],
    ['a traversal out of videos/', '/videos/../sources/11111111-2222-4333-8444-555555555555/original'],
    ['an encoded traversal', '/videos/%2e%2e/sources/11111111-2222-4333-8444-555555555555/original'],
    ['an encoded slash traversal', '/videos/v1%2f..%2f..%2fsources/11111111-2222-4333-8444-555555555555/original'],
    ['the listing of videos/', '/videos/'],
    ['the bucket root', '/'],
  ])('answers %s with a 404 problem that names no bucket', async (_what, path) => {
    const res = await raw(path);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.body.toString();
    expect(JSON.parse(body)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(body).not.toContain(bucket);
  });

  it('serves a private video only under a valid token for it, privately cached, with either secret', async () => {
    const master = `videos/${priv}/1/hls/master.m3u8`;
    const ok = await raw(`/t/${token(priv)}/${master}`);
    expect([ok.status, ok.body.toString()]).toEqual([200, '#EXTM3U\n#private\n']);
    expect(ok.headers['cache-control']).toBe('private, max-age=60');
    expect((await raw(`/t/${token(priv, NOW + 60, secrets[1])}/${master}`)).status).toBe(200);
    // A public video under a token plays too (a link issued while it was private).
    expect((await raw(`/t/${token(pub)}/videos/${pub}/1/hls/master.m3u8`)).status).toBe(200);
  });

  it.each([
    ['no token', () => `/videos/${priv}/1/hls/master.m3u8`, 404, 'NOT_FOUND'],
    ['an expired token', () => `/t/${token(priv, NOW - 1)}/videos/${priv}/1/hls/master.m3u8`, 403, 'TOKEN_EXPIRED'],
    ['another video’s token', () => `/t/${token(pub)}/videos/${priv}/1/hls/master.m3u8`, 403, 'TOKEN_INVALID'],
    [
      'a retired secret',
      () => `/t/${token(priv, NOW + 60, 'a-secret-nobody-configured-0123456789')}/videos/${priv}/1/hls/master.m3u8`,
      403,
      'TOKEN_INVALID',
    ],
    ['a malformed token', () => `/t/not-a-token/videos/${priv}/1/hls/master.m3u8`, 403, 'TOKEN_INVALID'],
    ['a token path outside videos/', () => `/t/${token(priv)}/sources/${priv}/original`, 404, 'NOT_FOUND'],
  ])('refuses a private video with %s', async (_what, path, status, code) => {
    const res = await raw(path());
    expect([res.status, JSON.parse(res.body.toString()).code]).toEqual([status, code]);
  });

  it('lets players on any origin read by XHR: CORS on files and refusals, preflight for GET/HEAD with Range', async () => {
    const origin = { origin: 'http://127.0.0.1:3000' };
    const file = await raw(`/t/${token(priv)}/videos/${priv}/1/hls/master.m3u8`, 'GET', origin);
    expect([file.status, file.headers['access-control-allow-origin']]).toEqual([200, '*']);
    expect(file.headers['access-control-expose-headers']).toContain('content-range');
    // hls.js reads the status of a refusal to tell an expired link from a network failure.
    const refused = await raw(`/t/${token(priv, NOW - 1)}/videos/${priv}/1/hls/master.m3u8`, 'GET', origin);
    expect([refused.status, refused.headers['access-control-allow-origin']]).toEqual([403, '*']);

    const preflight = await raw(`/videos/${pub}/1/hls/480p/seg_00001.m4s`, 'OPTIONS', {
      ...origin,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'range',
    });
    expect([
      preflight.status,
      preflight.headers['access-control-allow-origin'],
      preflight.headers['access-control-allow-methods'],
      preflight.headers['access-control-allow-headers'],
    ]).toEqual([204, '*', 'GET, HEAD', 'range']);
    // Only playback paths: the ops endpoints stay same-origin.
    expect((await raw('/metrics', 'GET', origin)).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('closes a public video’s plain paths as soon as its marker goes', async () => {
    const path = `/videos/${pub}/1/hls/master.m3u8`;
    expect((await raw(path)).status).toBe(200);
    const s3 = createS3Client({ region: 'us-east-1', endpoint: (await stackEnv()).S3_ENDPOINT, forcePathStyle: true });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: publicMarkerKey(pub) }));
    expect((await raw(path)).status).toBe(404);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: publicMarkerKey(pub), Body: '' }));
    s3.destroy();
  });
});
