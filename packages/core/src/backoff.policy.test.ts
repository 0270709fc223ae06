import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.policy.js';

const fixed = (value: number) => () => value;

describe('backoffMs', () => {
  it('doubles from the base per failure, exactly, without jitter', () => {
    const opts = { baseMs: 100, capMs: 10_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, opts))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('never goes beyond the cap, however many failures', () => {
    const opts = { baseMs: 300, capMs: 1000 };
    expect([2, 3, 4, 30, 5000].map((n) => backoffMs(n, opts))).toEqual([600, 1000, 1000, 1000, 1000]);
  });

  it('equal jitter keeps half the step and adds up to the other half', () => {
    const opts = { baseMs: 5000, capMs: 300_000, jitter: 'equal' as const };
    expect([1, 2, 3, 4].map((n) => backoffMs(n, { ...opts, random: fixed(0) }))).toEqual([2500, 5000, 10_000, 20_000]);
    expect(backoffMs(1, { ...opts, random: fixed(0.5) })).toBe(3750);
    expect(backoffMs(3, { ...opts, random: fixed(0.999) })).toBe(19_990);
    expect(backoffMs(5000, { ...opts, random: fixed(0.999) })).toBe(299_850);
  });

  it('full jitter spreads over [0, step)', () => {
    const opts = { baseMs: 20, capMs: 1000, jitter: 'full' as const };
    expect(backoffMs(3, { ...opts, random: fixed(0) })).toBe(0);
    expect(backoffMs(3, { ...opts, random: fixed(0.5) })).toBe(40);
    expect(backoffMs(10, { ...opts, random: fixed(0.25) })).toBe(250);
  });

  it('ratio jitter spreads ± ratio around the step', () => {
    const opts = { baseMs: 1000, capMs: 300_000, jitter: { ratio: 0.2 } };
    expect(backoffMs(3, { ...opts, random: fixed(0) })).toBe(3200);
    expect(backoffMs(3, { ...opts, random: fixed(0.5) })).toBe(4000);
    expect(backoffMs(3, { ...opts, random: fixed(1) })).toBe(4800);
    expect(backoffMs(31, { ...opts, random: fixed(0.5) })).toBe(300_000);
  });

  it('rounds to the millisecond and clamps a random source that strays out of [0, 1]', () => {
    expect(backoffMs(1, { baseMs: 1000, capMs: 1000, jitter: 'equal', random: fixed(1 / 3) })).toBe(667);
    expect(backoffMs(1, { baseMs: 1000, capMs: 1000, jitter: 'full', random: fixed(7) })).toBe(1000);
    expect(backoffMs(1, { baseMs: 1000, capMs: 1000, jitter: 'full', random: fixed(-1) })).toBe(0);
  });

  it('stays within its bounds with the real random source', () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffMs(2, { baseMs: 5000, capMs: 300_000, jitter: 'equal' });
      expect(d).toBeGreaterThanOrEqual(5000);
      expect(d).toBeLessThanOrEqual(10_000);
    }
  });

  it('refuses failures below 1 and an empty or inverted range', () => {
    expect(() => backoffMs(0, { baseMs: 1, capMs: 1 })).toThrow(RangeError);
    expect(() => backoffMs(1.5, { baseMs: 1, capMs: 1 })).toThrow(RangeError);
    expect(() => backoffMs(1, { baseMs: 10, capMs: 5 })).toThrow(RangeError);
    expect(() => backoffMs(1, { baseMs: 0, capMs: 5 })).toThrow(RangeError);
  });
});
