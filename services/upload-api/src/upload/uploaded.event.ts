// The `video.uploaded` message both upload paths write to the outbox: attempt 1 of a freshly stored original.
import type { VideoUploadedV1 } from '@reelforge/contracts';

export function uploadedEvent(input: {
  videoId: string;
  ownerId: string;
  bucket: string;
  key: string;
  bytes: number;
  /** Null for a direct upload: the API does not read its bytes. */
  sha256: string | null;
  contentType: string;
  at: Date;
}): VideoUploadedV1 {
  return {
    version: 1,
    videoId: input.videoId,
    attempt: 1,
    source: { bucket: input.bucket, key: input.key },
    bytes: input.bytes,
    sha256: input.sha256,
    contentType: input.contentType,
    ownerId: input.ownerId,
    uploadedAt: input.at.toISOString(),
  };
}
