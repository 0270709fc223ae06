import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { assertVideoTransition, canTransitionVideo, videoStatuses, videoStatusesBefore } from './video.state.js';

const allowed = () =>
  videoStatuses.flatMap((from) =>
    videoStatuses.filter((to) => canTransitionVideo(from, to)).map((to) => `${from}→${to}`),
  );

describe('video state machine', () => {
  it('allows exactly these transitions', () => {
    expect(allowed()).toEqual([
      'awaiting_upload→uploaded',
      'awaiting_upload→failed',
      'uploaded→queued',
      'uploaded→failed',
      'queued→queued',
      'queued→processing',
      'queued→ready',
      'queued→failed',
      'processing→queued',
      'processing→ready',
      'processing→failed',
    ]);
  });

  it('lists the statuses a compare-and-set may start from', () => {
    expect(videoStatusesBefore('queued')).toEqual(['uploaded', 'queued', 'processing']);
    expect(videoStatusesBefore('ready')).toEqual(['queued', 'processing']);
    expect(videoStatusesBefore('failed')).toEqual(['awaiting_upload', 'uploaded', 'queued', 'processing']);
    expect(videoStatusesBefore('awaiting_upload')).toEqual([]);
  });

  it('refuses a move out of a final state with CONFLICT', () => {
    let err: unknown;
    try {
      assertVideoTransition('ready', 'processing');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).toJSON()).toEqual({
      code: 'CONFLICT',
      message: 'video cannot move from ready to processing',
      retryable: false,
    });
    expect(() => assertVideoTransition('failed', 'queued')).toThrow('video cannot move from failed to queued');
    expect(() => assertVideoTransition('uploaded', 'queued')).not.toThrow();
  });
});
