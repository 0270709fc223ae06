import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate.limiter.js';

describe('RateLimiter', () => {
  it('lets a burst through, then refuses until the bucket refills', () => {
    const limiter = new RateLimiter(2, 3);
    const t0 = 1_000_000;
    expect([1, 2, 3, 4].map(() => limiter.take('d1', t0))).toEqual([true, true, true, false]);
    // 2 per second: after 500 ms one event's worth is back, and only one.
    expect(limiter.take('d1', t0 + 500)).toBe(true);
    expect(limiter.take('d1', t0 + 500)).toBe(false);
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter(1, 1);
    expect([limiter.take('a', 0), limiter.take('a', 0), limiter.take('b', 0)]).toEqual([true, false, true]);
  });

  it('never refills above the burst', () => {
    const limiter = new RateLimiter(100, 2);
    limiter.take('d', 0);
    const later = 3_600_000;
    expect([limiter.take('d', later), limiter.take('d', later), limiter.take('d', later)]).toEqual([true, true, false]);
  });

  it('sweeps only buckets that are full again', () => {
    const limiter = new RateLimiter(10, 10);
    limiter.take('old', 0);
    limiter.take('recent', 900);
    // 'old' refilled by 1000 ms (10 tokens at 10/s); 'recent' needs until 1900 ms.
    expect(limiter.sweep(1000)).toBe(1);
    expect(limiter.size).toBe(1);
  });
});
