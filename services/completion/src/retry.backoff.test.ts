import { describe, expect, it } from 'vitest';
import { retryDelaySec } from './retry.backoff.js';

const opts = { baseSec: 5, maxSec: 300 };
const fixed = (value: number) => () => value;

describe('retryDelaySec', () => {
  it('doubles the step per failed attempt and keeps half of it fixed', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => retryDelaySec(a, opts, fixed(0)))).toEqual([2.5, 5, 10, 20, 40, 80]);
  });

  it('adds up to the other half at random', () => {
    expect(retryDelaySec(1, opts, fixed(0.5))).toBe(3.75);
    expect(retryDelaySec(3, opts, fixed(0.999))).toBe(19.99);
    expect(retryDelaySec(2, opts, fixed(0.25))).toBe(6.25);
  });

  it('caps the step at maxSec, however many attempts failed', () => {
    expect(retryDelaySec(7, opts, fixed(0))).toBe(150);
    expect(retryDelaySec(7, opts, fixed(0.5))).toBe(225);
    expect(retryDelaySec(5000, opts, fixed(0.999))).toBe(299.85);
  });

  it('rounds to the millisecond', () => {
    expect(retryDelaySec(1, { baseSec: 1, maxSec: 1 }, fixed(1 / 3))).toBe(0.667);
  });

  it('stays within [step/2, step) with the real random source', () => {
    for (let i = 0; i < 200; i++) {
      const d = retryDelaySec(2, opts);
      expect(d).toBeGreaterThanOrEqual(5);
      expect(d).toBeLessThanOrEqual(10);
    }
  });

  it('refuses attempts below 1 and an inverted range', () => {
    expect(() => retryDelaySec(0, opts)).toThrow(RangeError);
    expect(() => retryDelaySec(1.5, opts)).toThrow(RangeError);
    expect(() => retryDelaySec(1, { baseSec: 10, maxSec: 5 })).toThrow(RangeError);
    expect(() => retryDelaySec(1, { baseSec: 0, maxSec: 5 })).toThrow(RangeError);
  });
});
