// Direct uploads from the client: the API plans the parts and presigns a URL for each, the client PUTs the parts
// straight to storage (several at once), and completes. Resuming asks the API which parts storage already holds, so
// finished parts are never sent again.
import { type DirectUpload, problemError, type Reelforge, ReelforgeError, unwrap, type Video } from './client.js';

/** What to upload: a browser File/Blob fits as is; `@reelforge/client/node` makes one from a path. */
export interface UploadSource {
  name: string;
  size: number;
  type: string;
  slice(start: number, end: number): Blob | Promise<Blob | Uint8Array>;
}

export interface UploadProgress {
  /** Bytes storage holds (parts finished, including those from before a resume). */
  sentBytes: number;
  totalBytes: number;
  partsDone: number;
  partCount: number;
}

export interface DirectUploadOptions {
  title?: string | undefined;
  /** Resume this upload (from `onStarted` of an earlier run) instead of starting a new one. */
  uploadId?: string | undefined;
  /** Parts in flight at once. */
  concurrency?: number;
  signal?: AbortSignal | undefined;
  /** Called once the upload exists, before any byte is sent: keep the id to resume. */
  onStarted?: (upload: DirectUpload) => void | Promise<void>;
  onProgress?: (progress: UploadProgress) => void;
}

export async function uploadDirect(
  rf: Reelforge,
  source: UploadSource,
  opts: DirectUploadOptions = {},
): Promise<Video> {
  const signal = opts.signal;
  let upload: DirectUpload;
  if (opts.uploadId) {
    upload = await unwrap(
      rf.api.GET('/v1/uploads/{id}', { params: { path: { id: opts.uploadId } }, ...(signal && { signal }) }),
    );
    if (upload.bytes !== source.size) {
      throw new ReelforgeError('RESUME_MISMATCH', 0, 'the file is not the one this upload was started for');
    }
  } else {
    upload = await unwrap(
      rf.api.POST('/v1/uploads', {
        body: {
          filename: source.name,
          bytes: source.size,
          contentType: source.type || 'application/octet-stream',
          ...(opts.title !== undefined && { title: opts.title }),
        },
        ...(signal && { signal }),
      }),
    );
  }
  await opts.onStarted?.(upload);

  const progress: UploadProgress = {
    sentBytes: upload.uploadedParts.reduce((n, p) => n + p.bytes, 0),
    totalBytes: upload.bytes,
    partsDone: upload.uploadedParts.length,
    partCount: upload.partCount,
  };
  opts.onProgress?.({ ...progress });

  const queue = [...upload.missingParts];
  const putPart = async (part: { partNumber: number; url: string }) => {
    const start = (part.partNumber - 1) * upload.partSize;
    const end = Math.min(start + upload.partSize, upload.bytes);
    const body = await source.slice(start, end);
    let res: Response;
    try {
      res = await rf.fetch(part.url, { method: 'PUT', body: body as Blob, ...(signal && { signal }) });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ReelforgeError('NETWORK_ERROR', 0, `could not send part ${part.partNumber}: ${(err as Error).message}`);
    }
    if (!res.ok) {
      // Storage's own error body names buckets and keys: keep it out of the message.
      await res.body?.cancel();
      throw new ReelforgeError('STORAGE_ERROR', res.status, `storage refused part ${part.partNumber} (${res.status})`);
    }
    progress.sentBytes += end - start;
    progress.partsDone++;
    opts.onProgress?.({ ...progress });
  };
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      signal?.throwIfAborted();
      await putPart(part);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));

  const res = await rf.api.POST('/v1/uploads/{id}/complete', {
    params: { path: { id: upload.id } },
    ...(signal && { signal }),
  });
  if (res.error !== undefined || !res.response.ok) throw problemError(res.response.status, res.error);
  return res.data as Video;
}
