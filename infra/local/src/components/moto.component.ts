// The moto server emulates the S3 and ECS APIs on one port (LocalStack's, so the env is the same with Docker).
// It keeps state in memory: a restart empties the buckets, which `provision` recreates.
import { CreateBucketCommand, PutBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client, publicReadPolicy } from '@reelforge/storage';
import { ensureMoto, motoBin } from '../installer.js';
import { startDetached } from '../process.supervisor.js';
import { BUCKETS, ports } from '../stack.config.js';
import type { Component } from './component.js';

const url = `http://127.0.0.1:${ports.moto}`;

export const moto: Component = {
  name: 'moto',
  url,
  port: ports.moto,
  startupTimeoutMs: 30_000,
  install: ensureMoto,
  start() {
    startDetached('moto', motoBin(), ['-H', '127.0.0.1', '-p', String(ports.moto)]);
  },
  async healthy() {
    const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  },
  async provision() {
    const s3: S3Client = createS3Client({
      region: 'us-east-1',
      endpoint: url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    for (const bucket of Object.values(BUCKETS)) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
        if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
      });
    }
    // upload-api links the processed bucket's plain URLs (CDN_BASE_URL) so HLS plays; moto checks anonymous GETs.
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: BUCKETS.processed, Policy: publicReadPolicy(BUCKETS.processed) }),
    );
    s3.destroy();
  },
};
