// Reading, listing, changing and deleting videos, with the visibility rule in one place: owners see theirs, others
// see public ones, and everything else is "not found" (never "forbidden": that would confirm the id exists).

import type { S3Client } from '@aws-sdk/client-s3';
import { AppError, type UpdateVideoRequest, type VideoPage, type Video as VideoResource } from '@reelforge/contracts';
import type { RenditionRepository, Video, VideoRepository } from '@reelforge/db';
import { deletePrefix, sourceKey, videoPrefix } from '@reelforge/storage';
import type { MultipartStore } from '../upload/multipart.store.js';
import { type LinkFor, presentVideo } from './video.presenter.js';

export interface VideoServiceDeps {
  videos: VideoRepository;
  renditions: RenditionRepository;
  objects: MultipartStore;
  s3: S3Client;
  rawBucket: string;
  processedBucket: string;
  link: LinkFor;
}

const NOT_WATCHED = { views: 0, likes: 0 };

export class VideoService {
  constructor(private readonly deps: VideoServiceDeps) {}

  async present(video: Video): Promise<VideoResource> {
    return (await this.presentAll([video]))[0] as VideoResource;
  }

  /** One query for the engagement counts of all of them. */
  private async presentAll(videos: Video[]): Promise<VideoResource[]> {
    const counts = await this.deps.videos.engagementOf(videos.map((v) => v.id));
    return Promise.all(
      videos.map(async (video) => {
        const renditions = video.status === 'ready' ? await this.deps.renditions.listForVideo(video.id) : [];
        return presentVideo(video, renditions, counts.get(video.id) ?? NOT_WATCHED, this.deps.link, [
          this.deps.rawBucket,
          this.deps.processedBucket,
        ]);
      }),
    );
  }

  async get(id: string, viewerId: string | null): Promise<VideoResource> {
    const video = await this.deps.videos.findVisible(id, viewerId);
    if (!video) throw new AppError('NOT_FOUND', 'no such video');
    return this.present(video);
  }

  async list(ownerId: string, page: { limit: number; cursor?: string | undefined }): Promise<VideoPage> {
    const { items, nextCursor } = await this.deps.videos.listByOwner(ownerId, page);
    return { items: await this.presentAll(items), nextCursor };
  }

  async update(id: string, ownerId: string, changes: UpdateVideoRequest): Promise<VideoResource> {
    await this.owned(id, ownerId);
    await this.deps.videos.updateDetails(id, changes);
    return this.present(await this.owned(id, ownerId));
  }

  /**
   * Objects first, rows last: if a delete fails half-way the row is still there to retry with, whereas rows first
   * would leave objects nothing points at.
   */
  async remove(id: string, ownerId: string): Promise<void> {
    const video = await this.owned(id, ownerId);
    const raw = { bucket: video.sourceBucket ?? this.deps.rawBucket, key: video.sourceKey ?? sourceKey(id) };
    if (video.multipartUploadId) await this.deps.objects.abort(raw, video.multipartUploadId);
    await this.deps.objects.delete(raw);
    await deletePrefix(this.deps.s3, this.deps.processedBucket, videoPrefix(id));
    await this.deps.videos.delete(id);
  }

  private async owned(id: string, ownerId: string): Promise<Video> {
    const video = await this.deps.videos.findById(id);
    if (!video || video.ownerId !== ownerId) throw new AppError('NOT_FOUND', 'no such video');
    return video;
  }
}
