// Uploads an output folder to the processed bucket, a few files at a time, each with the content type players and
// CDNs expect. The master playlist goes last, so it never points at a variant that is not there yet.
import { createReadStream } from 'node:fs';
import { extname, join } from 'node:path';
import { AppError } from '@reelforge/contracts';
import { outputFiles } from '@reelforge/media';
import { type createS3Client, putStream } from '@reelforge/storage';

type S3 = ReturnType<typeof createS3Client>;

const contentTypes: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt',
  '.json': 'application/json',
};
export const contentTypeOf = (file: string) => contentTypes[extname(file)] ?? 'application/octet-stream';

export async function uploadOutputs(
  s3: S3,
  target: { bucket: string; prefix: string; dir: string; files: string[]; signal?: AbortSignal; concurrency?: number },
): Promise<void> {
  const upload = async (file: string) => {
    try {
      await putStream(
        s3,
        { bucket: target.bucket, key: target.prefix + file },
        createReadStream(join(target.dir, file)),
        {
          contentType: contentTypeOf(file),
          ...(target.signal ? { signal: target.signal } : {}),
        },
      );
    } catch (err) {
      if (target.signal?.aborted) throw target.signal.reason;
      throw new AppError('STORAGE_ERROR', `uploading ${file} failed`, { cause: err });
    }
  };
  const queue = target.files.filter((f) => f !== outputFiles.master);
  const workers = Array.from({ length: target.concurrency ?? 8 }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) await upload(file);
  });
  await Promise.all(workers);
  if (target.files.includes(outputFiles.master)) await upload(outputFiles.master);
}
