// Tells the playback edge which videos play without a token. Two real edges, so two implementations: the local
// playback edge reads a marker object per public video in the processed bucket; CloudFront's viewer-request function
// reads `public:{id}` in its KeyValueStore (infra/aws/src/edge/playback-auth.function.js), where upload-api also
// keeps the token secrets. Private videos need no entry: their paths only open under a signed token.

import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import {
  CloudFrontKeyValueStoreClient,
  DeleteKeyCommand,
  DescribeKeyValueStoreCommand,
  PutKeyCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
// The key-value store API is signed with SigV4a; this registers the pure-JS signer with the SDK.
import '@aws-sdk/signature-v4a';
import type { Visibility } from '@reelforge/contracts';
import { publicMarkerKey, videoPrefix } from '@reelforge/storage';

export interface PlaybackAccess {
  /** Resolves once the edge acts on it: plain paths open (public) or close (private). */
  publish(videoId: string, visibility: Visibility): Promise<void>;
  /** The video is deleted: close its plain paths and drop whatever a cache still holds of it. */
  revoke(videoId: string): Promise<void>;
}

export class StoreMarkerAccess implements PlaybackAccess {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async publish(videoId: string, visibility: Visibility): Promise<void> {
    const Key = publicMarkerKey(videoId);
    if (visibility === 'public') await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: '' }));
    else await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
  }

  revoke(videoId: string): Promise<void> {
    return this.publish(videoId, 'private');
  }
}

export interface CloudFrontAccessConfig {
  storeArn: string;
  distributionId: string;
  region: string;
}

/** Conflicting writers (another replica) move the store's ETag; a write re-reads it and tries again. */
const ETAG_ATTEMPTS = 5;

export class CloudFrontAccess implements PlaybackAccess {
  constructor(
    private readonly config: CloudFrontAccessConfig,
    private readonly kvs = new CloudFrontKeyValueStoreClient({ region: config.region }),
    private readonly cloudfront = new CloudFrontClient({ region: config.region }),
  ) {}

  async publish(videoId: string, visibility: Visibility): Promise<void> {
    if (visibility === 'public') await this.put(`public:${videoId}`, '1');
    else await this.remove(`public:${videoId}`);
  }

  async revoke(videoId: string): Promise<void> {
    await this.remove(`public:${videoId}`);
    // Token paths are rewritten to the object key before the cache, so one path pattern covers both kinds.
    await this.cloudfront.send(
      new CreateInvalidationCommand({
        DistributionId: this.config.distributionId,
        InvalidationBatch: {
          CallerReference: `delete-${videoId}`,
          Paths: { Quantity: 1, Items: [`/${videoPrefix(videoId)}*`] },
        },
      }),
    );
  }

  /** At start-up: the edge verifies tokens with the secrets the API signs with, newest first. */
  async publishSecrets(secrets: readonly string[]): Promise<void> {
    for (const [i, secret] of secrets.slice(0, 2).entries()) await this.put(`secret:${i}`, secret);
    if (secrets.length < 2) await this.remove('secret:1');
  }

  private async put(Key: string, Value: string): Promise<void> {
    await this.withEtag((IfMatch) =>
      this.kvs.send(new PutKeyCommand({ KvsARN: this.config.storeArn, Key, Value, IfMatch })),
    );
  }

  private async remove(Key: string): Promise<void> {
    await this.withEtag((IfMatch) =>
      this.kvs.send(new DeleteKeyCommand({ KvsARN: this.config.storeArn, Key, IfMatch })).catch((err: unknown) => {
        if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
      }),
    );
  }

  private async withEtag(write: (etag: string) => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { ETag } = await this.kvs.send(new DescribeKeyValueStoreCommand({ KvsARN: this.config.storeArn }));
      try {
        await write(ETag ?? '');
        return;
      } catch (err) {
        if ((err as { name?: string }).name !== 'ConflictException' || attempt >= ETAG_ATTEMPTS) throw err;
      }
    }
  }
}
