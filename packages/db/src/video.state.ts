// The video lifecycle: which status may follow which. Repositories refuse any other move, so every service agrees.
import { AppError } from '@reelforge/contracts';

export const videoStatuses = ['awaiting_upload', 'uploaded', 'queued', 'processing', 'ready', 'failed'] as const;
export type VideoStatus = (typeof videoStatuses)[number];

export const visibilities = ['private', 'public'] as const;
export type Visibility = (typeof visibilities)[number];

export const videoTransitions: Readonly<Record<VideoStatus, readonly VideoStatus[]>> = {
  awaiting_upload: ['uploaded', 'failed'],
  uploaded: ['queued', 'failed'],
  // queued → ready: a transcoder can finish before the dispatcher has recorded it as processing (or the dispatcher
  // died after launching it); the completion still counts. queued → queued starts a retry attempt.
  queued: ['processing', 'queued', 'ready', 'failed'],
  processing: ['ready', 'queued', 'failed'],
  ready: [],
  failed: [],
};

export const canTransitionVideo = (from: VideoStatus, to: VideoStatus): boolean => videoTransitions[from].includes(to);

export function assertVideoTransition(from: VideoStatus, to: VideoStatus): void {
  if (!canTransitionVideo(from, to)) throw new AppError('CONFLICT', `video cannot move from ${from} to ${to}`);
}

/** The statuses a video may be in for `to` to be its next one: the guard of a compare-and-set UPDATE. */
export const videoStatusesBefore = (to: VideoStatus): VideoStatus[] =>
  videoStatuses.filter((from) => canTransitionVideo(from, to));
