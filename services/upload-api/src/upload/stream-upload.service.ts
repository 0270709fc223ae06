// POST /v1/videos: the multipart body streams through an inspector (size, sha256, sniffing) straight into the raw
// bucket; only once the object is complete does one transaction record the video and its `video.uploaded` event.
// Text fields may come before or after the file (curl -F sends them in the order given): those before it are checked
// before a byte is stored, those after it once the body has ended, before the row is written. Any refusal or fault
// removes what was written, so a failed upload leaves neither an object nor a row.
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import { AppError, UploadVideoFields } from '@reelforge/contracts';
import {
  type Database,
  type Kysely,
  type OutboxRepository,
  transaction,
  type Video,
  type VideoRepository,
} from '@reelforge/db';
import { type ObjectRef, putStream, sourceKey } from '@reelforge/storage';
import type { Logger } from 'pino';
import type { ApiMetrics } from '../http/api.metrics.js';
import { untilAborted } from '../http/idle-body.watch.js';
import { titleFromFilename } from './default.title.js';
import type { MultipartStore } from './multipart.store.js';
import { type InspectedUpload, UploadInspector } from './upload.inspector.js';
import { uploadedEvent } from './uploaded.event.js';

export interface StreamUploadDeps {
  db: Kysely<Database>;
  videos: VideoRepository;
  outbox: OutboxRepository;
  s3: S3Client;
  objects: MultipartStore;
  rawBucket: string;
  maxUploadBytes: number;
  metrics: ApiMetrics;
  logger: Logger;
}

const FIELDS = new Set(Object.keys(UploadVideoFields.shape));

export interface UploadOptions {
  /** Aborting stops the upload with the signal's reason (an idle body), and removes what was written. */
  signal?: AbortSignal;
  /** A lower cap than the upload limit (what the quota left), and the refusal when the file exceeds it. */
  limit?: { bytes: number; error: () => AppError };
}

export class StreamUploadService {
  constructor(private readonly deps: StreamUploadDeps) {}

  async upload(ownerId: string, parts: AsyncIterable<Multipart>, opts: UploadOptions = {}): Promise<Video> {
    const fields: Record<string, string> = {};
    let stored: { ref: ObjectRef; filename: string; inspected: InspectedUpload } | null = null;
    const videoId = randomUUID();
    const ref = { bucket: this.deps.rawBucket, key: sourceKey(videoId) };
    try {
      for await (const part of opts.signal ? untilAborted(parts, opts.signal) : parts) {
        if (part.type === 'field') {
          if (!FIELDS.has(part.fieldname)) throw new AppError('BAD_REQUEST', `unknown field "${part.fieldname}"`);
          if (part.valueTruncated) throw new AppError('TOO_LARGE', `field "${part.fieldname}" is too long`);
          fields[part.fieldname] = String(part.value);
          continue;
        }
        if (part.fieldname !== 'file' || stored) {
          part.file.resume();
          throw new AppError('BAD_REQUEST', 'exactly one file part, named "file", is allowed');
        }
        // Refuse bad fields that came first before a single byte goes to S3.
        parseFields(fields);
        const inspected = await this.store(ref, part, opts);
        stored = { ref, filename: part.filename, inspected };
      }
      if (!stored) throw new AppError('BAD_REQUEST', 'a file part named "file" is required');
      const video = await this.record(ownerId, videoId, parseFields(fields), stored);
      this.deps.metrics.uploads.inc({ path: 'api' });
      this.deps.metrics.uploadBytes.inc({ path: 'api' }, stored.inspected.bytes);
      return video;
    } catch (err) {
      if (stored) await this.discard(ref);
      throw err;
    }
  }

  private async store(ref: ObjectRef, part: MultipartFile, opts: UploadOptions): Promise<InspectedUpload> {
    const inspector = new UploadInspector(opts.limit?.bytes ?? this.deps.maxUploadBytes, opts.limit?.error);
    const stop = () => inspector.destroy(opts.signal?.reason);
    opts.signal?.addEventListener('abort', stop, { once: true });
    // busboy stops at its fileSize limit and marks the stream truncated; make that an error, not a short file.
    part.file.once('limit', () =>
      inspector.destroy(new AppError('TOO_LARGE', `the file is larger than ${this.deps.maxUploadBytes} bytes`)),
    );
    const abort = new AbortController();
    const results = await Promise.allSettled([
      pipeline(part.file, inspector),
      putStream(this.deps.s3, ref, inspector, { signal: abort.signal }),
    ]);
    opts.signal?.removeEventListener('abort', stop);
    const failure = results.find((r) => r.status === 'rejected');
    if (!failure) return inspector.result();
    abort.abort();
    // The inspector's refusal (413, 415, 422) is the story; S3's "stream errored" is only its echo.
    const cause = inspector.errored ?? part.file.errored ?? failure.reason;
    // lib-storage aborts its multipart upload on error, but a single-part PutObject may have landed already.
    await this.discard(ref);
    throw cause instanceof AppError ? cause : asUploadFault(cause);
  }

  private async record(
    ownerId: string,
    videoId: string,
    fields: UploadVideoFields,
    stored: { ref: ObjectRef; filename: string; inspected: InspectedUpload },
  ): Promise<Video> {
    const { ref, inspected } = stored;
    // The file is already stored: a deadlock or a dropped connection here must not throw it away, so retry.
    return transaction(this.deps.db, async (tx) => {
      const video = await this.deps.videos.create(tx, {
        id: videoId,
        ownerId,
        title: fields.title ?? titleFromFilename(stored.filename),
        description: fields.description ?? null,
        status: 'uploaded',
        sourceBucket: ref.bucket,
        sourceKey: ref.key,
        sourceBytes: inspected.bytes,
        sourceSha256: inspected.sha256,
        contentType: inspected.container.contentType,
        originalFilename: stored.filename.slice(0, 255) || null,
      });
      await this.deps.outbox.add(tx, {
        topic: 'video.uploaded',
        payload: uploadedEvent({
          videoId,
          ownerId,
          ...ref,
          bytes: inspected.bytes,
          sha256: inspected.sha256,
          contentType: inspected.container.contentType,
          at: video.createdAt,
        }),
      });
      return video;
    });
  }

  private async discard(ref: ObjectRef): Promise<void> {
    try {
      await this.deps.objects.delete(ref);
    } catch (err) {
      // The object is unreferenced either way; a raw-bucket lifecycle rule on `sources/` would catch it.
      this.deps.logger.error({ err, key: ref.key }, 'could not delete the object of a failed upload');
    }
  }
}

function parseFields(fields: Record<string, string>): UploadVideoFields {
  const parsed = UploadVideoFields.safeParse(fields);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new AppError('BAD_REQUEST', `field "${issue?.path.join('.')}": ${issue?.message}`);
}

/** A client that goes away mid-file is a broken request, not our fault; anything else is. */
function asUploadFault(err: unknown): AppError {
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'FST_MP_PREMATURE_CLOSE') {
    return new AppError('BAD_REQUEST', 'the upload was cut off before the file ended', { cause: err });
  }
  if (err instanceof Error && /multipart|part terminated early|unexpected end/i.test(err.message)) {
    return new AppError('BAD_REQUEST', `malformed multipart body: ${err.message}`, { cause: err });
  }
  return new AppError('STORAGE_ERROR', 'could not store the upload', { cause: err });
}
