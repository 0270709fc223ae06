// Reading, listing, changing and deleting videos, with the visibility rule in one place: owners see theirs, others
// see public ones, and everything else is "not found" (never "forbidden": that would confirm the id exists).

import type { S3Client } from '@aws-sdk/client-s3';
import { AppError, type UpdateVideoRequest, type VideoPage, type Video as VideoResource } from '@reelforge/contracts';
import {
  computeOfVideo,
  type Database,
  type Kysely,
  type LikeRepository,
  type RenditionRepository,
  type Video,
  type VideoRepository,
} from '@reelforge/db';
import { deletePrefix, sourceKey, videoPrefix } from '@reelforge/storage';
import { FEED_SCOPE, type ReadCache, videoScope } from '../cache/read.cache.js';
import type { MultipartStore } from '../upload/multipart.store.js';
import { estimateCompute, type FargatePrices } from './compute.estimate.js';
import type { PlaybackAccess } from './playback.access.js';
import { type LinksFor, presentVideo } from './video.presenter.js';

export interface VideoServiceDeps {
  videos: VideoRepository;
  likes: LikeRepository;
  cache: ReadCache;
  renditions: RenditionRepository;
  objects: MultipartStore;
  s3: S3Client;
  rawBucket: string;
  processedBucket: string;
  links: LinksFor;
  access: PlaybackAccess;
  db: Kysely<Database>;
  /** What the owner's read estimates the compute at. */
  prices: FargatePrices;
}

/** What everyone may read and nothing but a change can alter (progress moves until ready): what the cache keeps. */
const cacheable = (v: VideoResource) => v.visibility === 'public' && v.status === 'ready';

export class VideoService {
  constructor(private readonly deps: VideoServiceDeps) {}

  async present(video: Video): Promise<VideoResource> {
    return (await this.presentAll([video]))[0] as VideoResource;
  }

  /** One query for the views of all of them and one for their likes. */
  async presentAll(videos: Video[]): Promise<VideoResource[]> {
    const ids = videos.map((v) => v.id);
    const [views, likes] = await Promise.all([this.deps.videos.viewsOf(ids), this.deps.likes.countsOf(ids)]);
    return Promise.all(
      videos.map(async (video) => {
        const renditions = video.status === 'ready' ? await this.deps.renditions.listForVideo(video.id) : [];
        const engagement = { views: views.get(video.id) ?? 0, likes: likes.get(video.id) ?? 0 };
        return presentVideo(video, renditions, engagement, this.deps.links(video), [
          this.deps.rawBucket,
          this.deps.processedBucket,
        ]);
      }),
    );
  }

  /** A public ready video is the same for every reader, so it comes from the cache when it can. */
  async get(id: string, viewerId: string | null): Promise<VideoResource> {
    const resource = await this.deps.cache.read(
      videoScope(id),
      'public',
      async () => {
        const video = await this.deps.videos.findVisible(id, viewerId);
        if (!video) throw new AppError('NOT_FOUND', 'no such video');
        return this.present(video);
      },
      cacheable,
    );
    // The reader's own, so after the cache (which holds what every reader sees): a player shows its like button's
    // state from `likedByMe`; the owner alone sees the compute the video cost.
    if (viewerId === null) return resource;
    const [liked, jobs] = await Promise.all([
      this.deps.likes.likedBy(viewerId, [id]),
      computeOfVideo(this.deps.db, id, viewerId),
    ]);
    const read = { ...resource, likedByMe: liked.has(id) };
    return jobs === null ? read : { ...read, compute: estimateCompute(jobs, this.deps.prices) };
  }

  async list(ownerId: string, page: { limit: number; cursor?: string | undefined }): Promise<VideoPage> {
    const { items, nextCursor } = await this.deps.videos.listByOwner(ownerId, page);
    return { items: await this.presentAll(items), nextCursor };
  }

  /**
   * A visibility change reaches the playback edge inside the transaction that holds the video's row lock, so two
   * changes cannot cross (the edge ends as the row does), and in the order that fails closed: the edge closes the
   * plain paths before the row says private, and opens them only after the row says public.
   */
  async update(id: string, ownerId: string, changes: UpdateVideoRequest): Promise<VideoResource> {
    const { visibility } = changes;
    await this.deps.db.transaction().execute(async (tx) => {
      const [video] = await this.deps.videos.lockMany(tx, [id]);
      if (!video || video.ownerId !== ownerId) throw new AppError('NOT_FOUND', 'no such video');
      if (visibility === 'private') await this.deps.access.publish(id, 'private');
      await this.deps.videos.updateDetails(id, changes, tx);
      if (visibility === 'public') await this.deps.access.publish(id, 'public');
    });
    // Title and visibility show on feeds too.
    await this.deps.cache.invalidate(videoScope(id), FEED_SCOPE);
    return this.present(await this.owned(id, ownerId));
  }

  /**
   * The edge first (plain paths close, cached copies go), then objects, rows last: if a delete fails half-way the row is still there to retry with, whereas rows first
   * would leave objects nothing points at.
   */
  async remove(id: string, ownerId: string): Promise<void> {
    const video = await this.owned(id, ownerId);
    await this.deps.access.revoke(id);
    const raw = { bucket: video.sourceBucket ?? this.deps.rawBucket, key: video.sourceKey ?? sourceKey(id) };
    if (video.multipartUploadId) await this.deps.objects.abort(raw, video.multipartUploadId);
    await this.deps.objects.delete(raw);
    await deletePrefix(this.deps.s3, this.deps.processedBucket, videoPrefix(id));
    await this.deps.videos.delete(id);
    await this.deps.cache.invalidate(videoScope(id), FEED_SCOPE);
  }

  private async owned(id: string, ownerId: string): Promise<Video> {
    const video = await this.deps.videos.findById(id);
    if (!video || video.ownerId !== ownerId) throw new AppError('NOT_FOUND', 'no such video');
    return video;
  }
}
