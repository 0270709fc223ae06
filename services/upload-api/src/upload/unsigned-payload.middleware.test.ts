import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { skipPayloadSigning } from './unsigned-payload.middleware.js';

/** An S3 client whose requests are captured after signing instead of sent. */
function capturing() {
  const sent: { headers: Record<string, string> }[] = [];
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://s3.invalid',
    forcePathStyle: true,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        sent.push(request);
        return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
      },
    } as never,
  });
  return { s3, sent };
}

describe('skipPayloadSigning', () => {
  it('signs part and object bodies as UNSIGNED-PAYLOAD, so they are hashed only once (by us)', async () => {
    const { s3, sent } = capturing();
    skipPayloadSigning(s3);
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.from('video bytes') }));
    await s3.send(
      new UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId: 'u', PartNumber: 1, Body: Buffer.from('x') }),
    );
    expect(sent.map((r) => r.headers['x-amz-content-sha256'])).toEqual(['UNSIGNED-PAYLOAD', 'UNSIGNED-PAYLOAD']);
    expect(sent.every((r) => r.headers.authorization?.includes('x-amz-content-sha256'))).toBe(true);
  });

  it('leaves other requests signed as the SDK does', async () => {
    const { s3, sent } = capturing();
    skipPayloadSigning(s3);
    await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })).catch(() => {});
    // The SHA-256 of an empty body.
    expect(sent[0]?.headers['x-amz-content-sha256']).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('changes nothing without it', async () => {
    const { s3, sent } = capturing();
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.from('video bytes') }));
    expect(sent[0]?.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });
});
