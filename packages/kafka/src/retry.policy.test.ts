import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './retry.policy.js';

describe('retryDelayMs', () => {
  it('doubles from initialMs after each failed attempt', () => {
    const policy = { initialMs: 100, maxMs: 10_000 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(a, policy))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('never waits longer than maxMs', () => {
    const policy = { initialMs: 300, maxMs: 1000 };
    expect([2, 3, 4, 30].map((a) => retryDelayMs(a, policy))).toEqual([600, 1000, 1000, 1000]);
  });

  it('refuses an attempt number below 1', () => {
    expect(() => retryDelayMs(0, { initialMs: 1, maxMs: 1 })).toThrow(RangeError);
    expect(() => retryDelayMs(1.5, { initialMs: 1, maxMs: 1 })).toThrow(RangeError);
  });
});
