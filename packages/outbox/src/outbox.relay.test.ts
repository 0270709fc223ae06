import { describe, expect, it } from 'vitest';
import { publishRetryMs } from './outbox.relay.js';

describe('publishRetryMs', () => {
  it('doubles from one second per failed attempt', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 6].map((a) => publishRetryMs(a, mid))).toEqual([1000, 2000, 4000, 8000, 64000]);
  });

  it('caps at five minutes', () => {
    expect(publishRetryMs(30, () => 0.5)).toBe(300_000);
  });

  it('jitters within ±20 %', () => {
    expect(publishRetryMs(2, () => 0)).toBe(3200);
    expect(publishRetryMs(2, () => 1)).toBe(4800);
  });
});
