// The `video.uploaded` message that starts a retry attempt, rebuilt from the video row: the same original the
// upload announced, under the new attempt number.
import { VideoUploadedV1 } from '@reelforge/contracts';
import type { Video } from '@reelforge/db';

export type UploadedSource = Pick<
  Video,
  'id' | 'ownerId' | 'sourceBucket' | 'sourceKey' | 'sourceBytes' | 'sourceSha256' | 'contentType' | 'createdAt'
>;

/** Null when the row lacks what the event needs (no stored original): such a video cannot be retried. */
export function retryUploadedEvent(video: UploadedSource, attempt: number): VideoUploadedV1 | null {
  const parsed = VideoUploadedV1.safeParse({
    version: 1,
    videoId: video.id,
    attempt,
    source: { bucket: video.sourceBucket, key: video.sourceKey },
    // BIGINT columns may come back as strings from the driver.
    bytes: video.sourceBytes === null ? null : Number(video.sourceBytes),
    sha256: video.sourceSha256,
    contentType: video.contentType,
    ownerId: video.ownerId,
    uploadedAt: video.createdAt.toISOString(),
  });
  return parsed.success ? parsed.data : null;
}
