// Direct-to-S3 uploads: the API opens an S3 multipart upload and presigns each part for its exact size; the client
// sends the bytes to S3 itself, can ask which parts arrived (to resume), and then asks the API to complete, which
// checks the parts against the plan, sniffs the first bytes, and records the upload with its `video.uploaded` event
// in one transaction. The API never reads the whole object, so `complete` takes the same time for any size; the
// original's SHA-256 is therefore not known here (null on the row and in the event).
import { randomUUID } from 'node:crypto';
import {
  AppError,
  type CreateUploadRequest,
  type DirectUpload,
  type PartUrl,
  type UploadedPart,
} from '@reelforge/contracts';
import {
  type Database,
  type Kysely,
  type OutboxRepository,
  transaction,
  type Video,
  type VideoRepository,
} from '@reelforge/db';
import { SNIFF_BYTES, sniffContainer } from '@reelforge/media';
import { type ObjectRef, sourceKey } from '@reelforge/storage';
import type { Logger } from 'pino';
import type { ApiMetrics } from '../http/api.metrics.js';
import { titleFromFilename } from './default.title.js';
import { isMissing, isNoSuchUpload, type MultipartStore, type StoredPart } from './multipart.store.js';
import { expectedPartBytes, type PartPlan, planParts } from './part.planner.js';
import { expireUpload, UPLOAD_EXPIRED } from './upload.expiry.js';
import type { UploadQuotaService } from './upload-quota.service.js';
import { uploadedEvent } from './uploaded.event.js';

export interface DirectUploadDeps {
  db: Kysely<Database>;
  videos: VideoRepository;
  outbox: OutboxRepository;
  objects: MultipartStore;
  quotas: UploadQuotaService;
  rawBucket: string;
  maxUploadBytes: number;
  ttlSec: number;
  metrics: ApiMetrics;
  logger: Logger;
  now?: () => Date;
}

export class DirectUploadService {
  private readonly now: () => Date;

  constructor(private readonly deps: DirectUploadDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async create(ownerId: string, req: CreateUploadRequest): Promise<DirectUpload> {
    if (req.bytes > this.deps.maxUploadBytes) {
      throw new AppError('TOO_LARGE', `uploads are limited to ${this.deps.maxUploadBytes} bytes`);
    }
    await this.deps.quotas.checkDirect(ownerId, req.bytes);
    const plan = planParts(req.bytes);
    const id = randomUUID();
    const ref = { bucket: this.deps.rawBucket, key: sourceKey(id) };
    const uploadId = await this.deps.objects.create(ref);
    const expiresAt = new Date(this.now().getTime() + this.deps.ttlSec * 1000);
    let video: Video;
    try {
      video = await transaction(this.deps.db, async (tx) => {
        // Again, under the user's lock: the check above may have raced another upload of theirs.
        await this.deps.quotas.admitDirect(tx, ownerId, req.bytes);
        return this.deps.videos.create(tx, {
          id,
          ownerId,
          title: req.title ?? titleFromFilename(req.filename),
          status: 'awaiting_upload',
          sourceBucket: ref.bucket,
          sourceKey: ref.key,
          sourceBytes: req.bytes,
          contentType: req.contentType,
          originalFilename: req.filename,
          multipartUploadId: uploadId,
          uploadExpiresAt: expiresAt,
        });
      });
    } catch (err) {
      await this.deps.objects.abort(ref, uploadId);
      throw err;
    }
    return this.describe(video, plan, []);
  }

  /** What S3 already holds and fresh URLs for the rest: an interrupted client resumes from here. */
  async status(ownerId: string, id: string): Promise<DirectUpload> {
    const video = await this.owned(ownerId, id);
    const plan = planParts(Number(video.sourceBytes));
    if (video.status !== 'awaiting_upload' || !video.multipartUploadId) return this.describe(video, plan, null);
    try {
      return this.describe(video, plan, await this.deps.objects.listParts(refOf(video), video.multipartUploadId));
    } catch (err) {
      if (isNoSuchUpload(err)) throw new AppError('CONFLICT', 'the upload is being completed or was aborted');
      throw err;
    }
  }

  /** Idempotent: completing an upload that is already recorded returns the video as it is. */
  async complete(ownerId: string, id: string): Promise<Video> {
    const video = await this.owned(ownerId, id);
    if (video.status === 'failed') {
      if (video.errorCode === UPLOAD_EXPIRED) throw new AppError(UPLOAD_EXPIRED, 'the upload expired and was aborted');
      throw new AppError('CONFLICT', `the upload failed: ${video.errorCode}`);
    }
    if (video.status !== 'awaiting_upload') return video;
    if (video.uploadExpiresAt && video.uploadExpiresAt <= this.now()) {
      await expireUpload(this.deps, video);
      throw new AppError(UPLOAD_EXPIRED, 'the upload expired and was aborted');
    }
    const ref = refOf(video);
    const plan = planParts(Number(video.sourceBytes));
    if (video.multipartUploadId) await this.assemble(ref, video.multipartUploadId, plan);

    // From here the object exists; a refusal fails the video and removes the object.
    const head = await this.deps.objects.readHead(ref, SNIFF_BYTES).catch((err: unknown) => {
      if (isMissing(err)) throw new AppError('CONFLICT', 'the uploaded parts are gone; start a new upload');
      throw err;
    });
    const container = sniffContainer(head);
    if (!container) {
      await this.refuse(video, 'UNSUPPORTED_INPUT', 'the file is not a video container we recognise');
    }
    // Its metadata, not its bytes: the parts were already checked one by one against the plan.
    const bytes = await this.deps.objects.size(ref);
    if (bytes !== plan.bytes) await this.refuse(video, 'BAD_REQUEST', `stored ${bytes} bytes, announced ${plan.bytes}`);
    const sha256 = null;

    const contentType = container?.contentType ?? 'application/octet-stream';
    // The object is assembled and measured: a transient MySQL failure is retried rather than failing the request.
    const recorded = await transaction(this.deps.db, async (tx) => {
      const moved = await this.deps.videos.transition(
        id,
        ['awaiting_upload'],
        'uploaded',
        { sourceSha256: sha256, contentType, multipartUploadId: null, uploadExpiresAt: null },
        tx,
      );
      if (!moved) return false;
      await this.deps.outbox.add(tx, {
        topic: 'video.uploaded',
        payload: uploadedEvent({ videoId: id, ownerId, ...ref, bytes, sha256, contentType, at: this.now() }),
      });
      return true;
    });
    const current = await this.owned(ownerId, id);
    if (recorded) {
      this.deps.metrics.uploads.inc({ path: 'direct' });
      this.deps.metrics.uploadBytes.inc({ path: 'direct' }, bytes);
      return current;
    }
    // Another request completed it meanwhile (fine), or the sweeper expired it (then the object must go).
    if (current.status === 'failed') {
      await this.deps.objects.delete(ref);
      throw new AppError(UPLOAD_EXPIRED, 'the upload expired and was aborted');
    }
    return current;
  }

  /** Checks that every part is there at its planned size, then has S3 join them with the ETags it reports. */
  private async assemble(ref: ObjectRef, uploadId: string, plan: PartPlan): Promise<void> {
    let parts: StoredPart[];
    try {
      parts = await this.deps.objects.listParts(ref, uploadId);
    } catch (err) {
      // A `complete` that crashed after S3 joined the parts: the object is already there.
      if (isNoSuchUpload(err)) return;
      throw err;
    }
    const byNumber = new Map(parts.map((p) => [p.partNumber, p]));
    const missing: number[] = [];
    for (let n = 1; n <= plan.partCount; n++) {
      if (byNumber.get(n)?.bytes !== expectedPartBytes(plan, n)) missing.push(n);
    }
    if (missing.length > 0 || parts.length !== plan.partCount) {
      throw new AppError('CONFLICT', `parts missing or of the wrong size: ${missing.join(', ') || 'extra parts'}`);
    }
    await this.deps.objects.complete(ref, uploadId, parts);
  }

  private async refuse(video: Video, code: 'UNSUPPORTED_INPUT' | 'BAD_REQUEST', message: string): Promise<never> {
    await this.deps.objects.delete(refOf(video));
    await this.deps.videos.transition(video.id, ['awaiting_upload'], 'failed', {
      errorCode: code,
      errorMessage: message,
      multipartUploadId: null,
    });
    throw new AppError(code, message);
  }

  private async owned(ownerId: string, id: string): Promise<Video> {
    const video = await this.deps.videos.findById(id);
    // Someone else's video and no video look the same from outside.
    if (!video || video.ownerId !== ownerId || video.sourceBytes === null) {
      throw new AppError('NOT_FOUND', 'no such upload');
    }
    return video;
  }

  private async describe(video: Video, plan: PartPlan, stored: StoredPart[] | null): Promise<DirectUpload> {
    const uploadedParts: UploadedPart[] = [];
    const missingParts: PartUrl[] = [];
    if (stored && video.multipartUploadId) {
      const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
      const expiresIn = Math.max(
        1,
        Math.floor(((video.uploadExpiresAt?.getTime() ?? 0) - this.now().getTime()) / 1000),
      );
      for (let n = 1; n <= plan.partCount; n++) {
        const part = byNumber.get(n);
        // A part of the wrong size (a cut-off PUT) is re-sent like a missing one.
        if (part && part.bytes === expectedPartBytes(plan, n)) {
          uploadedParts.push({ partNumber: n, bytes: part.bytes, etag: part.etag });
        } else {
          const url = await this.deps.objects.presignPart(
            refOf(video),
            video.multipartUploadId,
            n,
            expectedPartBytes(plan, n),
            expiresIn,
          );
          missingParts.push({ partNumber: n, url });
        }
      }
    }
    return {
      id: video.id,
      status: video.status,
      bytes: plan.bytes,
      partSize: plan.partSize,
      partCount: plan.partCount,
      expiresAt: video.uploadExpiresAt?.toISOString() ?? null,
      uploadedParts,
      missingParts,
    };
  }
}

const refOf = (video: Video): ObjectRef => ({
  bucket: video.sourceBucket ?? '',
  key: video.sourceKey ?? sourceKey(video.id),
});
