// Node-only helpers: a file on disk as an upload source, read part by part (never the whole file in memory).
import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { UploadSource } from './direct.upload.js';

const TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.avi': 'video/x-msvideo',
};

export async function fileSource(path: string): Promise<UploadSource> {
  const { size } = await stat(path);
  return {
    name: basename(path),
    size,
    type: TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    slice: async (start, end) => {
      const file = await open(path, 'r');
      try {
        const buffer = new Uint8Array(end - start);
        let read = 0;
        while (read < buffer.length) {
          const { bytesRead } = await file.read(buffer, read, buffer.length - read, start + read);
          if (bytesRead === 0) throw new Error(`${path} is shorter than when the upload started`);
          read += bytesRead;
        }
        return buffer;
      } finally {
        await file.close();
      }
    },
  };
}
