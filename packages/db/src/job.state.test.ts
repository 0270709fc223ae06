import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { assertJobTransition, canTransitionJob, freeLaunchSlots, jobStatuses, jobStatusesBefore } from './job.state.js';

const allowed = () =>
  jobStatuses.flatMap((from) => jobStatuses.filter((to) => canTransitionJob(from, to)).map((to) => `${from}→${to}`));

describe('job state machine', () => {
  it('allows exactly these transitions', () => {
    expect(allowed()).toEqual([
      'pending→launching',
      'pending→failed',
      'launching→pending',
      'launching→running',
      'launching→succeeded',
      'launching→failed',
      'launching→lost',
      'running→succeeded',
      'running→failed',
      'running→lost',
    ]);
  });

  it('lists the statuses each outcome may end', () => {
    expect(jobStatusesBefore('succeeded')).toEqual(['launching', 'running']);
    expect(jobStatusesBefore('failed')).toEqual(['pending', 'launching', 'running']);
    expect(jobStatusesBefore('lost')).toEqual(['launching', 'running']);
    expect(jobStatusesBefore('running')).toEqual(['launching']);
  });

  it('refuses to revive a finished job with CONFLICT', () => {
    expect(() => assertJobTransition('succeeded', 'running')).toThrow(AppError);
    expect(() => assertJobTransition('lost', 'launching')).toThrow('job cannot move from lost to launching');
    expect(() => assertJobTransition('pending', 'running')).toThrow('job cannot move from pending to running');
    expect(() => assertJobTransition('pending', 'launching')).not.toThrow();
  });

  it('frees launch slots up to the global cap, none beyond it, all without one', () => {
    expect([0, 3, 4, 5, 9].map((inFlight) => freeLaunchSlots(4, inFlight))).toEqual([4, 1, 0, 0, 0]);
    expect(freeLaunchSlots(Number.POSITIVE_INFINITY, 10_000)).toBe(Number.POSITIVE_INFINITY);
  });
});
