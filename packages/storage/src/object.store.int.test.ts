import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createTestBuckets, stackEnv } from '@reelforge/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, getStream, headObject, listKeys, presignGet, presignPut, putStream } from './object.store.js';
import { createS3Client } from './s3.client.js';

const run = promisify(execFile);
let bucket: string;
let s3: ReturnType<typeof createS3Client>;

beforeAll(async () => {
  const env = await stackEnv();
  s3 = createS3Client({ region: env.AWS_REGION, endpoint: env.S3_ENDPOINT });
  ({ raw: bucket } = await createTestBuckets('raw'));
});

/** A 200 MB stream generated on the fly, hashing what it emits so nothing is ever held whole. */
function generated(bytes: number, hash: ReturnType<typeof createHash>): Readable {
  const chunk = randomBytes(1024 * 1024);
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const part = chunk.subarray(0, Math.min(chunk.length, left));
      left -= part.length;
      chunk[0] = (chunk[0] ?? 0) ^ 0x5a; // vary the chunks so a dropped or repeated part changes the hash
      hash.update(part);
      this.push(Buffer.from(part));
    },
  });
}

describe('object store against the local S3', () => {
  it('streams 200 MB up and back with its sha256 unchanged', async () => {
    const size = 200 * 1024 * 1024;
    const sent = createHash('sha256');
    await putStream(s3, { bucket, key: 'big/object' }, generated(size, sent));
    expect((await headObject(s3, { bucket, key: 'big/object' }))?.bytes).toBe(size);

    const got = createHash('sha256');
    for await (const part of await getStream(s3, { bucket, key: 'big/object' })) got.update(part as Buffer);
    expect(got.digest('hex')).toBe(sent.digest('hex'));
  });

  it('presigns a PUT that curl uploads with, and a GET that fetches it back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rf-'));
    const file = join(dir, 'clip.bin');
    const body = randomBytes(64 * 1024);
    await writeFile(file, body);
    const putUrl = await presignPut(s3, { bucket, key: 'curl/clip.bin' }, 300);
    await run('curl', ['-sSf', '-X', 'PUT', '--upload-file', file, putUrl]);
    const res = await fetch(await presignGet(s3, { bucket, key: 'curl/clip.bin' }, 300));
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
  });

  it('deletes a prefix and nothing outside it', async () => {
    for (const key of ['p/a', 'p/b/c', 'q/keep']) await putStream(s3, { bucket, key }, Readable.from([key]));
    expect(await deletePrefix(s3, bucket, 'p/')).toBe(2);
    expect(await listKeys(s3, bucket, '')).toContain('q/keep');
    expect(await listKeys(s3, bucket, 'p/')).toEqual([]);
    expect(await headObject(s3, { bucket, key: 'p/a' })).toBeNull();
  });
});
