// The stack's object store: s3proxy (Apache-2.0, Maven Central) serving the S3 API from plain files under
// .reelforge/s3, so buckets and objects outlive `down`/`up` and a killed server. Signed requests only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@reelforge/storage';
import { ensureS3proxyJars, s3proxyLibDir } from '../installer.js';
import { startDetached } from '../process.supervisor.js';
import { BUCKETS, ports, S3_CREDENTIALS, STATE_DIR } from '../stack.config.js';
import type { Component } from './component.js';

const url = `http://127.0.0.1:${ports.s3}`;

/**
 * Writes the server's properties into `dir` and returns how to run it; its objects go to `dir/data`. Shared by the
 * component and the test that checks the server does what Reelforge asks of S3.
 */
export function s3proxyCommand(dir: string, port: number): { command: string; args: string[] } {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const props = join(dir, 's3proxy.properties');
  writeFileSync(
    props,
    [
      `s3proxy.endpoint=http://127.0.0.1:${port}`,
      // v2 and v4 signatures (presigned URLs included) with the stack's keys; anonymous requests get 403.
      's3proxy.authorization=aws-v2-or-v4',
      `s3proxy.identity=${S3_CREDENTIALS.accessKeyId}`,
      `s3proxy.credential=${S3_CREDENTIALS.secretAccessKey}`,
      // A browser PUTs presigned upload parts straight to the store, from the page's origin.
      's3proxy.cors-allow-all=true',
      // One file per object (metadata in user xattrs), written to a temp file and renamed into place.
      'jclouds.provider=filesystem-nio2',
      `jclouds.filesystem.basedir=${data}`,
      '',
    ].join('\n'),
  );
  return {
    command: 'java',
    args: ['-Xms64m', '-Xmx384m', '-cp', `${s3proxyLibDir()}/*`, 'org.gaul.s3proxy.Main', '--properties', props],
  };
}

export const s3proxy: Component = {
  name: 's3',
  url,
  port: ports.s3,
  startupTimeoutMs: 60_000,
  install: ensureS3proxyJars,
  start() {
    const { command, args } = s3proxyCommand(join(STATE_DIR, 's3'), ports.s3);
    startDetached('s3', command, args, { env: { LOG_LEVEL: 'info' } });
  },
  async healthy() {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  },
  async provision() {
    const s3 = createS3Client({
      region: 'us-east-1',
      endpoint: url,
      forcePathStyle: true,
      credentials: S3_CREDENTIALS,
    });
    try {
      for (const bucket of Object.values(BUCKETS)) {
        await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
          if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
        });
      }
    } finally {
      s3.destroy();
    }
  },
};
