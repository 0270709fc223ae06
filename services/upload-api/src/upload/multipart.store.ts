// The S3 calls of a direct upload: open, presign parts, list what arrived, complete, abort, and read the result
// back. @reelforge/storage covers whole objects; this is the multipart life cycle only the upload API drives.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectRef } from '@reelforge/storage';

export interface StoredPart {
  partNumber: number;
  bytes: number;
  etag: string;
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const nameOf = (err: unknown) => (err as { name?: string }).name;

/** The upload id is unknown to S3: already completed, aborted, or expired by a lifecycle rule. */
export const isNoSuchUpload = (err: unknown) => nameOf(err) === 'NoSuchUpload' || statusOf(err) === 404;
export const isMissing = (err: unknown) => nameOf(err) === 'NoSuchKey' || statusOf(err) === 404;

export class MultipartStore {
  constructor(private readonly s3: S3Client) {}

  async create(ref: ObjectRef): Promise<string> {
    const res = await this.s3.send(
      new CreateMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, ContentType: 'application/octet-stream' }),
    );
    if (!res.UploadId) throw new Error('S3 returned no UploadId');
    return res.UploadId;
  }

  /**
   * A PUT URL for one part of exactly `bytes` bytes: Content-Length is one of the signed headers, so S3 refuses a
   * PUT of any other size (SignatureDoesNotMatch) and a client cannot store more than it declared.
   */
  presignPart(ref: ObjectRef, uploadId: string, partNumber: number, bytes: number, expiresInSec: number) {
    return getSignedUrl(
      this.s3,
      new UploadPartCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ContentLength: bytes,
      }),
      { expiresIn: expiresInSec, signableHeaders: new Set(['content-length']) },
    );
  }

  async listParts(ref: ObjectRef, uploadId: string): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    do {
      const page = await this.s3.send(
        new ListPartsCommand({ Bucket: ref.bucket, Key: ref.key, UploadId: uploadId, PartNumberMarker: marker }),
      );
      for (const p of page.Parts ?? []) {
        if (p.PartNumber !== undefined && p.ETag) {
          parts.push({ partNumber: p.PartNumber, bytes: p.Size ?? 0, etag: p.ETag });
        }
      }
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async complete(ref: ObjectRef, uploadId: string, parts: StoredPart[]): Promise<void> {
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  }

  /** Idempotent: an upload S3 no longer knows counts as aborted. */
  async abort(ref: ObjectRef, uploadId: string): Promise<void> {
    try {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId: uploadId }));
    } catch (err) {
      if (!isNoSuchUpload(err)) throw err;
    }
  }

  /** The first `bytes` bytes of the object (fewer if it is shorter), for sniffing. */
  async readHead(ref: ObjectRef, bytes: number): Promise<Buffer> {
    const res = await this.s3.send(
      new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, Range: `bytes=0-${bytes - 1}` }),
    );
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  }

  /** The stored object's size, from its metadata (nothing is read). */
  async size(ref: ObjectRef): Promise<number> {
    const res = await this.s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    return res.ContentLength ?? 0;
  }

  async delete(ref: ObjectRef): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  }
}
