// Videos: creation, the owner's library, and every status change as a compare-and-set guarded by the state machine
// and, where results of a transcode are concerned, by the attempt number.
import { randomUUID } from 'node:crypto';
import { ownerSafeMessage, type VideoLifecycleStatus } from '@reelforge/contracts';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, Video } from './database.js';
import { OutboxRepository } from './outbox.repository.js';
import { clipText } from './text.limits.js';
import { transaction } from './transaction.runner.js';
import { decodeCursor, encodeCursor } from './video.cursor.js';
import { assertVideoTransition, type VideoStatus, type Visibility, videoStatusesBefore } from './video.state.js';

export interface NewVideo {
  id?: string;
  ownerId: string;
  title: string;
  description?: string | null;
  visibility?: Visibility;
  /** `awaiting_upload` (default) while the client uploads straight to S3; `uploaded` when the bytes are stored. */
  status?: Extract<VideoStatus, 'awaiting_upload' | 'uploaded'>;
  sourceBucket?: string | null;
  sourceKey?: string | null;
  sourceBytes?: number | null;
  sourceSha256?: string | null;
  contentType?: string | null;
  originalFilename?: string | null;
  multipartUploadId?: string | null;
  uploadExpiresAt?: Date | null;
  /** Defaults to now. */
  createdAt?: Date;
}

/** What a status change may also write. Attempt, status and the outputs have dedicated methods. */
export type VideoPatch = Partial<
  Pick<
    Video,
    | 'sourceBucket'
    | 'sourceKey'
    | 'sourceBytes'
    | 'sourceSha256'
    | 'contentType'
    | 'originalFilename'
    | 'multipartUploadId'
    | 'uploadExpiresAt'
    | 'durationSec'
    | 'width'
    | 'height'
    | 'errorCode'
    | 'errorMessage'
  >
>;

export type VideoDetails = Partial<Pick<Video, 'title' | 'description' | 'visibility'>>;

export interface VideoOutputs {
  hlsMasterKey: string;
  posterKey: string;
  spriteKey: string;
  vttKey: string;
  durationSec: number;
  width: number | null;
  height: number | null;
}

export interface VideoPage {
  items: Video[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

const retryableFrom: VideoStatus[] = ['queued', 'processing'];

/** The owner reads `error_message`: no storage locations in it (the job row and the logs keep the full text). */
const ownerText = (message: string) => clipText(ownerSafeMessage(message));

/** What viewers did with a video: views as the engagement lake writer counted them, likes as users' rows. */
export interface Engagement {
  views: number;
  likes: number;
}

/** A video on a feed: the row and what others see of its owner. */
export type FeedVideo = Video & { ownerName: string };

/** A video as it was just before a status change: what its `video.status-changed` message says it moved from. */
type Before = Pick<Video, 'id' | 'ownerId' | 'attempt' | 'status'>;

export class VideoRepository {
  private readonly outbox: OutboxRepository;

  constructor(private readonly db: Kysely<Database>) {
    this.outbox = new OutboxRepository(db);
  }

  /**
   * Adds one `video.status-changed` per moved video to the outbox, in the transaction of the change: every status
   * change goes through this repository, so the topic misses none and no caller has to remember it.
   */
  private async announce(
    tx: Transaction<Database>,
    moved: readonly (Before & { to: VideoLifecycleStatus; from?: VideoLifecycleStatus | null })[],
    error: { code: string; message: string } | null = null,
  ): Promise<void> {
    const occurredAt = new Date().toISOString();
    for (const v of moved) {
      await this.outbox.add(tx, {
        topic: 'video.status-changed',
        payload: {
          version: 1,
          eventId: randomUUID(),
          videoId: v.id,
          ownerId: v.ownerId,
          from: v.from === undefined ? v.status : v.from,
          to: v.to,
          attempt: v.attempt,
          error: v.to === 'failed' ? error : null,
          occurredAt,
        },
      });
    }
  }

  /** Runs `fn` in `tx`, or in a transaction of its own: a status change and its message commit together. */
  private inTx<T>(tx: Transaction<Database> | undefined, fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return tx ? fn(tx) : transaction(this.db, fn);
  }

  /** Locks the videos among `ids` that are in one of `statuses` (and of `attempt`, when given). */
  private lockIn(
    tx: Transaction<Database>,
    ids: readonly string[],
    statuses: readonly VideoStatus[],
    attempt?: number,
  ): Promise<Before[]> {
    let query = tx
      .selectFrom('videos')
      .select(['id', 'ownerId', 'attempt', 'status'])
      .where('id', 'in', ids)
      .where('status', 'in', statuses);
    if (attempt !== undefined) query = query.where('attempt', '=', attempt);
    return query.forUpdate().execute();
  }

  /** Inside the caller's transaction, so the outbox message announcing the video commits with it. */
  async create(tx: Transaction<Database>, input: NewVideo): Promise<Video> {
    const now = input.createdAt ?? new Date();
    const video: Video = {
      id: input.id ?? randomUUID(),
      ownerId: input.ownerId,
      title: input.title,
      description: input.description ?? null,
      visibility: input.visibility ?? 'private',
      status: input.status ?? 'awaiting_upload',
      attempt: 1,
      sourceBucket: input.sourceBucket ?? null,
      sourceKey: input.sourceKey ?? null,
      sourceBytes: input.sourceBytes ?? null,
      sourceSha256: input.sourceSha256 ?? null,
      contentType: input.contentType ?? null,
      originalFilename: input.originalFilename ?? null,
      multipartUploadId: input.multipartUploadId ?? null,
      uploadExpiresAt: input.uploadExpiresAt ?? null,
      durationSec: null,
      width: null,
      height: null,
      progressPct: 0,
      errorCode: null,
      errorMessage: null,
      hlsMasterKey: null,
      posterKey: null,
      spriteKey: null,
      vttKey: null,
      createdAt: now,
      updatedAt: now,
      readyAt: null,
    };
    await tx.insertInto('videos').values(video).execute();
    await this.announce(tx, [{ ...video, from: null, to: video.status }]);
    return video;
  }

  async findById(id: string, tx?: Transaction<Database>): Promise<Video | null> {
    const row = await (tx ?? this.db).selectFrom('videos').selectAll().where('id', '=', id).executeTakeFirst();
    return row ?? null;
  }

  /** Locks the videos that exist among `ids` until `tx` ends (in primary-key order, so batches cannot deadlock). */
  async lockMany(tx: Transaction<Database>, ids: readonly string[]): Promise<Video[]> {
    if (ids.length === 0) return [];
    return tx.selectFrom('videos').selectAll().where('id', 'in', ids).forUpdate().execute();
  }

  /** The video if `viewerId` may see it: its owner always, anyone (signed in or not) when it is public. */
  async findVisible(id: string, viewerId: string | null, tx?: Transaction<Database>): Promise<Video | null> {
    const row = await (tx ?? this.db)
      .selectFrom('videos')
      .selectAll()
      .where('id', '=', id)
      .where((eb) =>
        viewerId === null
          ? eb('visibility', '=', 'public')
          : eb.or([eb('visibility', '=', 'public'), eb('ownerId', '=', viewerId)]),
      )
      .executeTakeFirst();
    return row ?? null;
  }

  /** The views the lake counted (table video_engagement) of each of `ids` that has any; unwatched ones are absent. */
  async viewsOf(ids: readonly string[], tx?: Transaction<Database>): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await (tx ?? this.db)
      .selectFrom('videoEngagement')
      .select(['videoId', 'views'])
      .where('videoId', 'in', ids)
      .execute();
    return new Map(rows.map((r) => [r.videoId, Number(r.views)]));
  }

  /** Newest first. Keyset pagination: a page is stable however many videos are added in front of it. */
  async listByOwner(
    ownerId: string,
    page: { limit: number; cursor?: string | null },
    tx?: Transaction<Database>,
  ): Promise<VideoPage> {
    const limit = Math.max(1, Math.floor(page.limit));
    let query = (tx ?? this.db).selectFrom('videos').selectAll().where('ownerId', '=', ownerId);
    if (page.cursor) {
      const after = decodeCursor(page.cursor);
      // Expanded rather than a row comparison `(created_at, id) < (…)`, which older optimizers cannot range-scan.
      query = query.where((eb) =>
        eb.or([
          eb('createdAt', '<', after.createdAt),
          eb.and([eb('createdAt', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /**
   * Public ready videos, newest first, with their owner's display name: the feed. Keyset-paged like listByOwner, on
   * videos_feed_idx.
   */
  async listPublic(page: {
    limit: number;
    cursor?: string | null;
  }): Promise<{ items: FeedVideo[]; nextCursor: string | null }> {
    const limit = Math.max(1, Math.floor(page.limit));
    let query = this.db
      .selectFrom('videos')
      .innerJoin('users', 'users.id', 'videos.ownerId')
      .selectAll('videos')
      .select('users.displayName as ownerName')
      .where('videos.visibility', '=', 'public')
      .where('videos.status', '=', 'ready');
    if (page.cursor) {
      const after = decodeCursor(page.cursor);
      query = query.where((eb) =>
        eb.or([
          eb('videos.createdAt', '<', after.createdAt),
          eb.and([eb('videos.createdAt', '=', after.createdAt), eb('videos.id', '<', after.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('videos.createdAt', 'desc')
      .orderBy('videos.id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /**
   * Public videos that became ready at or after `since`, by score = views + likeWeight × likes (both as the API shows
   * them), then newest; `offset` pages through that order.
   */
  async listTrending(opts: { since: Date; likeWeight: number; limit: number; offset: number }): Promise<FeedVideo[]> {
    return (
      this.db
        .selectFrom('videos')
        .innerJoin('users', 'users.id', 'videos.ownerId')
        .leftJoin('videoEngagement', 'videoEngagement.videoId', 'videos.id')
        .selectAll('videos')
        .select('users.displayName as ownerName')
        // Raw SQL is not renamed by the CamelCasePlugin: snake_case names here.
        .select(
          sql<number>`COALESCE(video_engagement.views, 0)
          + ${opts.likeWeight} * (SELECT COUNT(*) FROM video_likes WHERE video_likes.video_id = videos.id)`.as('score'),
        )
        .where('videos.visibility', '=', 'public')
        .where('videos.status', '=', 'ready')
        .where('videos.readyAt', '>=', opts.since)
        .orderBy('score', 'desc')
        .orderBy('videos.readyAt', 'desc')
        .orderBy('videos.id', 'desc')
        .limit(Math.max(1, Math.floor(opts.limit)))
        .offset(Math.max(0, Math.floor(opts.offset)))
        .execute()
    );
  }

  /**
   * When the newest public video became ready (null when none is): part of the feed cache's key, so a video made
   * ready by the completion service shows on cached feeds at once. One read of videos_trending_idx.
   */
  async newestPublicReadyAt(): Promise<Date | null> {
    const row = await this.db
      .selectFrom('videos')
      .select((eb) => eb.fn.max('readyAt').as('at'))
      .where('visibility', '=', 'public')
      .where('status', '=', 'ready')
      .executeTakeFirst();
    return row?.at ? new Date(row.at) : null;
  }

  /** Title, description, visibility: not part of the lifecycle. Returns false if the video does not exist. */
  async updateDetails(id: string, details: VideoDetails, tx?: Transaction<Database>): Promise<boolean> {
    const result = await (tx ?? this.db)
      .updateTable('videos')
      .set({ ...details, updatedAt: new Date() })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Renditions and jobs go with it (ON DELETE CASCADE); its S3 objects are the caller's to remove. */
  async delete(id: string, tx?: Transaction<Database>): Promise<boolean> {
    return this.inTx(tx, async (tx) => {
      const before = await tx
        .selectFrom('videos')
        .select(['id', 'ownerId', 'attempt', 'status'])
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!before) return false;
      const result = await tx.deleteFrom('videos').where('id', '=', id).executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      await this.announce(tx, [{ ...before, to: 'deleted' }]);
      return true;
    });
  }

  /**
   * Moves the video to `to` only if its status is still one of `from` (compare-and-set), so of several replicas
   * handling the same event exactly one sees `true`. Throws CONFLICT if some `from` → `to` is not a transition.
   * Attempt-scoped moves (processing, ready, failed, retry) have their own methods below.
   */
  async transition(
    id: string,
    from: readonly VideoStatus[],
    to: VideoStatus,
    patch: VideoPatch = {},
    tx?: Transaction<Database>,
  ): Promise<boolean> {
    return (await this.transitionMany([id], from, to, patch, tx)) > 0;
  }

  /** transition for many videos in one statement; returns how many moved. */
  async transitionMany(
    ids: readonly string[],
    from: readonly VideoStatus[],
    to: VideoStatus,
    patch: VideoPatch = {},
    tx?: Transaction<Database>,
  ): Promise<number> {
    if (from.length === 0) throw new TypeError('transition needs at least one `from` status');
    for (const f of from) assertVideoTransition(f, to);
    if (ids.length === 0) return 0;
    const errorMessage = patch.errorMessage == null ? patch.errorMessage : ownerText(patch.errorMessage);
    return this.inTx(tx, async (tx) => {
      const movable = await this.lockIn(tx, ids, from);
      if (movable.length === 0) return 0;
      const result = await tx
        .updateTable('videos')
        .set({ ...patch, ...(errorMessage === undefined ? {} : { errorMessage }), status: to, updatedAt: new Date() })
        .where(
          'id',
          'in',
          movable.map((v) => v.id),
        )
        .where('status', 'in', from)
        .executeTakeFirst();
      const error = patch.errorCode ? { code: patch.errorCode, message: errorMessage ?? '' } : null;
      await this.announce(
        tx,
        movable.map((v) => ({ ...v, to })),
        error,
      );
      return Number(result.numUpdatedRows);
    });
  }

  /** queued → processing, for the current attempt only. */
  async markProcessing(id: string, attempt: number, tx?: Transaction<Database>): Promise<boolean> {
    return (await this.markManyProcessing([{ id, attempt }], tx)).has(id);
  }

  /** markProcessing for many videos in one transaction; returns the ids that moved. */
  async markManyProcessing(
    videos: readonly { id: string; attempt: number }[],
    tx?: Transaction<Database>,
  ): Promise<Set<string>> {
    if (videos.length === 0) return new Set();
    const mark = async (tx: Transaction<Database>) => {
      const movable = await tx
        .selectFrom('videos')
        .select(['id', 'ownerId', 'attempt', 'status'])
        .where((eb) =>
          eb(
            eb.refTuple('id', 'attempt'),
            'in',
            videos.map((v) => eb.tuple(v.id, v.attempt)),
          ),
        )
        .where('status', 'in', videoStatusesBefore('processing'))
        .forUpdate()
        .execute();
      const ids = movable.map((row) => row.id);
      if (ids.length > 0) {
        await tx
          .updateTable('videos')
          .set({ status: 'processing', updatedAt: new Date() })
          .where('id', 'in', ids)
          .execute();
        await this.announce(
          tx,
          movable.map((v) => ({ ...v, to: 'processing' as const })),
        );
      }
      return new Set(ids);
    };
    return this.inTx(tx, mark);
  }

  /**
   * What the transcoder's probe found (duration, displayed size), written while `attempt` is the current one and the
   * video is queued or processing, so the API shows it before the video is ready. The task's SHA-256 of the source
   * fills only a missing one: a hash computed at upload stays. False when nothing was written.
   */
  async recordSource(
    id: string,
    attempt: number,
    source: { durationSec: number; width: number; height: number; sha256?: string | undefined },
    tx?: Transaction<Database>,
  ): Promise<boolean> {
    const { sha256 } = source;
    const result = await (tx ?? this.db)
      .updateTable('videos')
      .set((eb) => ({
        durationSec: source.durationSec,
        width: source.width,
        height: source.height,
        ...(sha256 ? { sourceSha256: eb.fn.coalesce('sourceSha256', eb.val(sha256)) } : {}),
        updatedAt: new Date(),
      }))
      .where('id', '=', id)
      .where('attempt', '=', attempt)
      .where('status', 'in', ['queued', 'processing'])
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Records progress (0–100, floored) of the current attempt while it is queued or processing; a report from a
   * stale attempt, a finished video or one lower than what is recorded changes nothing. Returns whether the report
   * was for the current attempt of an unfinished video.
   */
  async setProgress(id: string, attempt: number, pct: number, tx?: Transaction<Database>): Promise<boolean> {
    const clamped = Number.isFinite(pct) ? Math.min(100, Math.max(0, Math.floor(pct))) : 0;
    const result = await (tx ?? this.db)
      .updateTable('videos')
      .set((eb) => ({ progressPct: eb.fn<number>('greatest', [eb.ref('progressPct'), eb.val(clamped)]) }))
      .where('id', '=', id)
      .where('attempt', '=', attempt)
      .where('status', 'in', ['queued', 'processing'])
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * The attempt's outputs make the video ready, if `attempt` is still the current one and the video is queued or
   * processing. In the transaction that also records the renditions and finishes the job.
   */
  async markReady(tx: Transaction<Database>, id: string, attempt: number, outputs: VideoOutputs): Promise<boolean> {
    const now = new Date();
    const [before] = await this.lockIn(tx, [id], videoStatusesBefore('ready'), attempt);
    if (!before) return false;
    const result = await tx
      .updateTable('videos')
      .set({ ...outputs, status: 'ready', progressPct: 100, errorCode: null, errorMessage: null })
      .set({ readyAt: now, updatedAt: now })
      .where('id', '=', id)
      .where('attempt', '=', attempt)
      .where('status', 'in', videoStatusesBefore('ready'))
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await this.announce(tx, [{ ...before, to: 'ready' }]);
    return true;
  }

  /** Gives up on the video, if `attempt` is still the current one and it is not already ready or failed. */
  async markFailed(
    id: string,
    attempt: number,
    error: { code: string; message: string },
    tx?: Transaction<Database>,
  ): Promise<boolean> {
    const message = ownerText(error.message);
    return this.inTx(tx, async (tx) => {
      const [before] = await this.lockIn(tx, [id], videoStatusesBefore('failed'), attempt);
      if (!before) return false;
      const result = await tx
        .updateTable('videos')
        .set({ status: 'failed', errorCode: error.code, errorMessage: message, updatedAt: new Date() })
        .where('id', '=', id)
        .where('attempt', '=', attempt)
        .where('status', 'in', videoStatusesBefore('failed'))
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      await this.announce(tx, [{ ...before, to: 'failed' }], { code: error.code, message });
      return true;
    });
  }

  /**
   * Starts attempt `fromAttempt + 1` (status queued, progress 0) if `fromAttempt` is still the current one and the
   * video is queued or processing. Returns the new attempt number, or null when another replica (or a stale
   * message) got there first. In the transaction that schedules the retry through the outbox.
   */
  async startNextAttempt(tx: Transaction<Database>, id: string, fromAttempt: number): Promise<number | null> {
    const [before] = await this.lockIn(tx, [id], retryableFrom, fromAttempt);
    if (!before) return null;
    const result = await tx
      .updateTable('videos')
      .set((eb) => ({
        attempt: eb('attempt', '+', 1),
        status: 'queued' as const,
        progressPct: 0,
        errorCode: null,
        errorMessage: null,
        updatedAt: new Date(),
      }))
      .where('id', '=', id)
      .where('attempt', '=', fromAttempt)
      .where('status', 'in', retryableFrom)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return null;
    await this.announce(tx, [{ ...before, attempt: fromAttempt + 1, to: 'queued' }]);
    return fromAttempt + 1;
  }
}
