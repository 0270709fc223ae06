// The edge against the real object store: what a player gets for whole files, ranges and HEADs, and that nothing
// outside videos/ (or a traversal towards it) is served.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@reelforge/storage';
import { createTestBuckets, stackEnv } from '@reelforge/testkit';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';

let app: FastifyInstance;
let port: number;
let bucket: string;
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
  await put('videos/v1/1/hls/480p/seg_00001.m4s', segment, 'video/iso.segment');
  await put('videos/v1/1/hls/master.m3u8', '#EXTM3U\n', 'application/vnd.apple.mpegurl');
  await put('sources/v1/original', 'the uploader’s original', 'video/mp4');
  buckets.s3.destroy();
  app = await buildApp({
    s3: createS3Client({ region: env.AWS_REGION, endpoint: env.S3_ENDPOINT, forcePathStyle: true }),
    bucket,
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(() => app?.close());

describe('playback edge', () => {
  it('serves a whole file with its type, length, validators and caching', async () => {
    const res = await raw('/videos/v1/1/hls/480p/seg_00001.m4s');
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
    expect((await raw('/videos/v1/1/hls/master.m3u8')).headers['cache-control']).toBe('public, max-age=60');
  });

  it('passes a range through: 206, Content-Range and exactly those bytes', async () => {
    const res = await raw('/videos/v1/1/hls/480p/seg_00001.m4s', 'GET', { range: 'bytes=100-199' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 100-199/1000');
    expect(res.headers['content-length']).toBe('100');
    expect(res.body.equals(segment.subarray(100, 200))).toBe(true);

    const tail = await raw('/videos/v1/1/hls/480p/seg_00001.m4s', 'GET', { range: 'bytes=-10' });
    expect([tail.status, tail.headers['content-range']]).toEqual([206, 'bytes 990-999/1000']);
    expect(tail.body.equals(segment.subarray(990))).toBe(true);
  });

  it('answers a range past the end with 416 and the file size', async () => {
    const res = await raw('/videos/v1/1/hls/480p/seg_00001.m4s', 'GET', { range: 'bytes=5000-6000' });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */1000');
  });

  it('answers HEAD with the headers of the file and no body', async () => {
    const res = await raw('/videos/v1/1/hls/480p/seg_00001.m4s', 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'content-length': '1000', 'content-type': 'video/iso.segment' });
    expect(res.body.length).toBe(0);
  });

  it.each([
    ['a missing object', '/videos/v1/1/hls/480p/seg_09999.m4s'],
    ['a key outside videos/', '/sources/v1/original'],
    ['a traversal out of videos/', '/videos/../sources/v1/original'],
    ['an encoded traversal', '/videos/%2e%2e/sources/v1/original'],
    ['an encoded slash traversal', '/videos/v1%2f..%2f..%2fsources/v1/original'],
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
});
