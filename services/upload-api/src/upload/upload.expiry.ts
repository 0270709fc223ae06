// Ending an abandoned direct upload, shared by the sweeper and by a `complete` that arrives too late.
import type { Video, VideoRepository } from '@reelforge/db';
import { sourceKey } from '@reelforge/storage';
import type { Logger } from 'pino';
import type { MultipartStore } from './multipart.store.js';

export const UPLOAD_EXPIRED = 'UPLOAD_EXPIRED';

/**
 * The compare-and-set picks one winner among replicas (and a racing `complete`); only the winner aborts the S3
 * upload and removes an object a crashed `complete` may have left. Returns whether this call expired it.
 */
export async function expireUpload(
  deps: { videos: VideoRepository; objects: MultipartStore; logger: Logger },
  video: Video,
): Promise<boolean> {
  const won = await deps.videos.transition(video.id, ['awaiting_upload'], 'failed', {
    errorCode: UPLOAD_EXPIRED,
    errorMessage: 'the upload was not completed in time',
    multipartUploadId: null,
  });
  if (!won) return false;
  const ref = { bucket: video.sourceBucket ?? '', key: video.sourceKey ?? sourceKey(video.id) };
  if (video.multipartUploadId) await deps.objects.abort(ref, video.multipartUploadId);
  await deps.objects.delete(ref);
  deps.logger.info({ videoId: video.id }, 'direct upload expired');
  return true;
}
