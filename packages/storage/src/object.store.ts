// Streaming object I/O: nothing here holds a whole object in memory.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface ObjectRef {
  bucket: string;
  key: string;
}

/** Multipart upload of a stream of unknown length: 8 MiB parts, 4 in flight, so memory stays ~32 MiB. */
export async function putStream(
  s3: S3Client,
  ref: ObjectRef,
  body: Readable,
  opts: { contentType?: string; signal?: AbortSignal } = {},
): Promise<void> {
  const upload = new Upload({
    client: s3,
    params: { Bucket: ref.bucket, Key: ref.key, Body: body, ContentType: opts.contentType },
    partSize: 8 * 1024 * 1024,
    queueSize: 4,
    leavePartsOnError: false,
  });
  const abort = () => void upload.abort();
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    await upload.done();
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
}

export async function putFile(s3: S3Client, ref: ObjectRef, path: string, contentType?: string): Promise<number> {
  const { size } = await stat(path);
  await putStream(s3, ref, createReadStream(path), contentType ? { contentType } : {});
  return size;
}

export async function getStream(s3: S3Client, ref: ObjectRef): Promise<Readable> {
  const res = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  return res.Body as Readable;
}

/** What a read of one object (or one range of it) returns; `body` is absent for a HEAD. */
export interface ObjectRead {
  /** 200, or 206 when a range was asked for and served. */
  status: 200 | 206;
  body?: Readable;
  bytes: number;
  contentType?: string;
  contentRange?: string;
  etag?: string;
  lastModified?: Date;
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * GET (or HEAD) of an object, passing a `Range` header through. Null when the object does not exist;
 * `{ unsatisfiable: size }` when the range lies outside it.
 */
export async function readObject(
  s3: S3Client,
  ref: ObjectRef,
  opts: { range?: string | undefined; headOnly?: boolean; signal?: AbortSignal } = {},
): Promise<ObjectRead | { unsatisfiable: number } | null> {
  const input = { Bucket: ref.bucket, Key: ref.key, ...(opts.range ? { Range: opts.range } : {}) };
  try {
    const res = opts.headOnly
      ? await s3.send(new HeadObjectCommand(input), { abortSignal: opts.signal })
      : await s3.send(new GetObjectCommand(input), { abortSignal: opts.signal });
    return {
      status: res.ContentRange ? 206 : 200,
      ...('Body' in res && res.Body ? { body: res.Body as Readable } : {}),
      bytes: res.ContentLength ?? 0,
      ...(res.ContentType ? { contentType: res.ContentType } : {}),
      ...(res.ContentRange ? { contentRange: res.ContentRange } : {}),
      ...(res.ETag ? { etag: res.ETag } : {}),
      ...(res.LastModified ? { lastModified: res.LastModified } : {}),
    };
  } catch (err) {
    const status = statusOf(err);
    if (status === 404) return null;
    if (status === 416) {
      const whole = await headObject(s3, ref);
      return whole ? { unsatisfiable: whole.bytes } : null;
    }
    throw err;
  }
}

export async function downloadToFile(s3: S3Client, ref: ObjectRef, path: string): Promise<number> {
  await pipeline(await getStream(s3, ref), createWriteStream(path));
  return (await stat(path)).size;
}

export async function headObject(
  s3: S3Client,
  ref: ObjectRef,
): Promise<{ bytes: number; contentType?: string } | null> {
  try {
    const res = await s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    return { bytes: res.ContentLength ?? 0, ...(res.ContentType ? { contentType: res.ContentType } : {}) };
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/** Deletes every object under a prefix, 1000 at a time (the DeleteObjects limit). Returns how many. */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
    if (keys.length > 0) {
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      deleted += keys.length;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

export function presignGet(s3: S3Client, ref: ObjectRef, expiresInSec = 3600): Promise<string> {
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { expiresIn: expiresInSec });
}

export function presignPut(s3: S3Client, ref: ObjectRef, expiresInSec = 3600, contentType?: string): Promise<string> {
  return getSignedUrl(s3, new PutObjectCommand({ Bucket: ref.bucket, Key: ref.key, ContentType: contentType }), {
    expiresIn: expiresInSec,
  });
}
