// The days of the lake a build reads, copied to a local directory. DuckDB reads S3 only through its httpfs
// extension, which the npm package does not ship (it would be downloaded at run time); a copy with the S3 SDK works
// offline, against any S3-compatible store, and lets DuckDB read local files at disk speed.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { downloadToFile, listKeys } from '@reelforge/storage';

export interface LakeSnapshot {
  dir: string;
  files: string[];
  bytes: number;
  remove(): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;

/** `dt=` partitions from `days - 1` days before `now` to `now`, oldest first. */
export function dayPartitions(now: Date, days: number): string[] {
  const out: string[] = [];
  for (let d = days - 1; d >= 0; d--)
    out.push(`dt=${new Date(now.getTime() - d * DAY_MS).toISOString().slice(0, 10)}/`);
  return out;
}

export async function snapshotLake(opts: {
  s3: S3Client;
  bucket: string;
  /** The players' events prefix (events-lake's LAKE_PREFIX), e.g. `events/`. */
  prefix: string;
  now: Date;
  days: number;
  tmpDir: string;
  /** Objects downloaded at once. */
  concurrency?: number;
}): Promise<LakeSnapshot> {
  await mkdir(opts.tmpDir, { recursive: true });
  const dir = await mkdtemp(join(opts.tmpDir, 'recommender-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const keys = (
      await Promise.all(dayPartitions(opts.now, opts.days).map((p) => listKeys(opts.s3, opts.bucket, opts.prefix + p)))
    )
      .flat()
      .filter((k) => k.endsWith('.parquet'));
    const files = keys.map((_, n) => join(dir, `${n}.parquet`));
    let bytes = 0;
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const n = next++;
        bytes += await downloadToFile(opts.s3, { bucket: opts.bucket, key: keys[n] as string }, files[n] as string);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
    return { dir, files, bytes, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
