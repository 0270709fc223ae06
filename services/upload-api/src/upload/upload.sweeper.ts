// Periodically ends direct uploads nobody completed: S3 multipart upload aborted, video failed UPLOAD_EXPIRED.

import { type PeriodicRunner, startPeriodic } from '@reelforge/core';
import type { VideoRepository } from '@reelforge/db';
import type { Logger } from 'pino';
import type { ExpiredUploadsQuery } from './expired-uploads.query.js';
import type { MultipartStore } from './multipart.store.js';
import { expireUpload } from './upload.expiry.js';

export interface UploadSweeperDeps {
  expired: ExpiredUploadsQuery;
  videos: VideoRepository;
  objects: MultipartStore;
  logger: Logger;
  intervalMs: number;
  batchSize?: number;
  now?: () => Date;
}

export class UploadSweeper {
  private runner: PeriodicRunner | undefined;

  constructor(private readonly deps: UploadSweeperDeps) {}

  /** One pass; returns how many uploads this replica expired. */
  async sweepOnce(): Promise<number> {
    const now = this.deps.now?.() ?? new Date();
    let expired = 0;
    for (const video of await this.deps.expired.find(now, this.deps.batchSize ?? 100)) {
      try {
        if (await expireUpload(this.deps, video)) expired++;
      } catch (err) {
        this.deps.logger.error({ err, videoId: video.id }, 'could not expire a direct upload; will retry');
      }
    }
    return expired;
  }

  start(): void {
    this.runner ??= startPeriodic(
      'upload-sweep',
      this.deps.intervalMs,
      async () => void (await this.sweepOnce()),
      this.deps.logger,
      {
        immediate: false,
      },
    );
  }

  /** Waits for a pass in progress, so shutdown never cuts an expiry between its row and its S3 calls. */
  async stop(): Promise<void> {
    await this.runner?.stop();
    this.runner = undefined;
  }
}
