// The stack's object store, run on its own (temp dir, free port): every S3 call Reelforge makes works against it,
// anonymous reads are refused, and objects — whole and multipart — survive a SIGKILL of the server.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  createS3Client,
  getStream,
  headObject,
  presignGet,
  presignPut,
  putStream,
  readObject,
} from '@reelforge/storage';
import { freePort } from '@reelforge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureS3proxyJars } from '../installer.js';
import { S3_CREDENTIALS } from '../stack.config.js';
import { s3proxyCommand } from './s3proxy.component.js';

let dir: string;
let port: number;
let server: ChildProcess | undefined;
let s3: S3Client;
const bucket = 'compat';

async function startServer(): Promise<void> {
  const { command, args } = s3proxyCommand(dir, port);
  server = spawn(command, args, { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } });
  const until = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error('s3proxy did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function killServer(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function bytesOf(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await getStream(s3, { bucket, key })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  ensureS3proxyJars(() => {});
  dir = await mkdtemp(join(tmpdir(), 'rf-s3proxy-'));
  port = await freePort();
  await startServer();
  s3 = createS3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}, 180_000);

afterAll(async () => {
  s3?.destroy();
  await killServer();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('s3proxy as the local object store', () => {
  it('refuses anonymous and wrongly signed requests', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'private/x', Body: 'secret' }));
    expect((await fetch(`http://127.0.0.1:${port}/${bucket}/private/x`)).status).toBe(403);
    const stranger = createS3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' },
    });
    expect((await fetch(await presignGet(stranger, { bucket, key: 'private/x' }))).status).toBe(403);
    await expect(stranger.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toThrow();
    stranger.destroy();
  });

  it('does the multipart calls of direct uploads: create, upload part, list parts and uploads, complete, abort', async () => {
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1024)];
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp/done', ContentType: 'video/mp4' }),
    );
    // As a browser does: PUT each part to a presigned URL, unsigned body.
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) {
      const url = await getSignedUrl(
        s3,
        new UploadPartCommand({ Bucket: bucket, Key: 'mp/done', UploadId, PartNumber: i + 1 }),
        { expiresIn: 300 },
      );
      const res = await fetch(url, { method: 'PUT', body: new Uint8Array(body) });
      expect(res.status).toBe(200);
      etags.push(res.headers.get('etag') ?? '');
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp/done', UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, parts[0]?.length, etags[0]],
      [2, parts[1]?.length, etags[1]],
    ]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'mp/' }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toContain(UploadId);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mp/done',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expect(sha(await bytesOf('mp/done'))).toBe(sha(Buffer.concat(parts)));
    expect(await headObject(s3, { bucket, key: 'mp/done' })).toEqual({
      bytes: 5 * 1024 * 1024 + 1024,
      contentType: 'video/mp4',
    });

    const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp/aborted' }));
    await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'mp/aborted',
        UploadId: aborted.UploadId,
        PartNumber: 1,
        Body: 'x',
      }),
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mp/aborted', UploadId: aborted.UploadId }));
    const left = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'mp/' }));
    expect(left.Uploads ?? []).toEqual([]);
    expect(await headObject(s3, { bucket, key: 'mp/aborted' })).toBeNull();
  });

  it('presigns a PUT (with its content type) and a GET', async () => {
    const body = randomBytes(10_000);
    const put = await presignPut(s3, { bucket, key: 'presigned/clip' }, 300, 'video/webm');
    const res = await fetch(put, {
      method: 'PUT',
      body: new Uint8Array(body),
      headers: { 'content-type': 'video/webm' },
    });
    expect(res.status).toBe(200);
    const got = await fetch(await presignGet(s3, { bucket, key: 'presigned/clip' }));
    expect([got.status, got.headers.get('content-type')]).toEqual([200, 'video/webm']);
    expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
  });

  it('lists by prefix across pages and deletes many at once', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `list/a/${String(i).padStart(2, '0')}`);
    for (const Key of [...keys, 'list/b/other'])
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/a/', MaxKeys: 3, ContinuationToken: token }),
      );
      pages += 1;
      seen.push(...(page.Contents ?? []).map((o) => o.Key as string));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect([pages, seen]).toEqual([3, keys]);

    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    expect(deleted.Errors ?? []).toEqual([]);
    const rest = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/' }));
    expect(rest.Contents?.map((o) => o.Key)).toEqual(['list/b/other']);
  });

  it('serves ranges, HEAD and validators as the playback edge passes them on', async () => {
    const body = randomBytes(4096);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'range/seg', Body: body, ContentType: 'video/mp4' }));
    const part = await readObject(s3, { bucket, key: 'range/seg' }, { range: 'bytes=1000-1999' });
    expect(part && 'status' in part ? [part.status, part.bytes, part.contentRange] : part).toEqual([
      206,
      1000,
      'bytes 1000-1999/4096',
    ]);
    const chunks: Buffer[] = [];
    for await (const c of (part as { body: Readable }).body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(body.subarray(1000, 2000))).toBe(true);

    const head = await readObject(s3, { bucket, key: 'range/seg' }, { headOnly: true });
    expect(head).toMatchObject({ status: 200, bytes: 4096, contentType: 'video/mp4' });
    expect(head && 'etag' in head ? head.etag : undefined).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await readObject(s3, { bucket, key: 'range/seg' }, { range: 'bytes=9000-' })).toEqual({
      unsatisfiable: 4096,
    });
    expect(await readObject(s3, { bucket, key: 'range/missing' })).toBeNull();
  });

  it('keeps whole and multipart objects through a SIGKILL of the server', async () => {
    const small = randomBytes(1000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kill/small', Body: small }));
    const big = randomBytes(20 * 1024 * 1024);
    await putStream(s3, { bucket, key: 'kill/big' }, Readable.from([big]), { contentType: 'video/mp4' });

    await killServer();
    await startServer();

    expect((await bytesOf('kill/small')).equals(small)).toBe(true);
    expect(sha(await bytesOf('kill/big'))).toBe(sha(big));
    expect(await headObject(s3, { bucket, key: 'kill/big' })).toEqual({ bytes: big.length, contentType: 'video/mp4' });
  });
});
