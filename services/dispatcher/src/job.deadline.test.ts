import { describe, expect, it } from 'vitest';
import { jobDeadline, latestDeadline } from './job.deadline.js';

const policy = { factor: 3, startupSec: 600, defaultDurationSec: 3600 };
const created = new Date('2026-01-01T00:00:00.000Z');

describe('jobDeadline', () => {
  it('allows the duration times the factor plus the start-up allowance', () => {
    // 120 s × 3 + 600 s = 960 s
    expect(jobDeadline(created, 120, policy).toISOString()).toBe('2026-01-01T00:16:00.000Z');
  });

  it('assumes the default duration when the source’s is unknown', () => {
    // 3600 s × 3 + 600 s = 11 400 s = 3 h 10 min
    expect(jobDeadline(created, null, policy).toISOString()).toBe('2026-01-01T03:10:00.000Z');
  });

  it('treats a zero or nonsensical duration as unknown', () => {
    expect(jobDeadline(created, 0, policy)).toEqual(jobDeadline(created, null, policy));
    expect(jobDeadline(created, Number.NaN, policy)).toEqual(jobDeadline(created, null, policy));
  });

  it('rounds fractional budgets up to the millisecond', () => {
    expect(jobDeadline(created, 1.0004, { factor: 1, startupSec: 0, defaultDurationSec: 1 }).toISOString()).toBe(
      '2026-01-01T00:00:01.001Z',
    );
  });
});

describe('latestDeadline', () => {
  it('allows for the longest source the task accepts, since its report can move the deadline that far', () => {
    // 4 h × 3 + 600 s = 43 800 s = 12 h 10 min
    expect(latestDeadline(created, null, { ...policy, maxDurationSec: 4 * 3600 }).toISOString()).toBe(
      '2026-01-01T12:10:00.000Z',
    );
  });

  it('keeps a first deadline that is later already, and the first deadline without a longest source', () => {
    expect(latestDeadline(created, 5 * 3600, { ...policy, maxDurationSec: 4 * 3600 })).toEqual(
      jobDeadline(created, 5 * 3600, policy),
    );
    expect(latestDeadline(created, null, policy)).toEqual(jobDeadline(created, null, policy));
  });
});
