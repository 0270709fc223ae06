import { describe, expect, it } from 'vitest';
import { expectedPartBytes, planParts } from './part.planner.js';

const MiB = 1024 * 1024;

describe('planParts', () => {
  it('uses 5 MiB parts for small files, the last one taking the rest', () => {
    const plan = planParts(11 * MiB + 3);
    expect(plan).toEqual({ bytes: 11 * MiB + 3, partSize: 5 * MiB, partCount: 3 });
    expect([1, 2, 3].map((n) => expectedPartBytes(plan, n))).toEqual([5 * MiB, 5 * MiB, MiB + 3]);
  });

  it('makes one part of a file under 5 MiB', () => {
    const plan = planParts(1000);
    expect(plan).toEqual({ bytes: 1000, partSize: 5 * MiB, partCount: 1 });
    expect(expectedPartBytes(plan, 1)).toBe(1000);
  });

  it('grows the part size in whole MiB to keep a big file within 1000 parts', () => {
    const plan = planParts(20 * 1024 * MiB);
    expect(plan.partSize).toBe(21 * MiB);
    expect(plan.partCount).toBe(976);
  });

  it('refuses what S3 cannot hold', () => {
    expect(() => planParts(0)).toThrow(RangeError);
    expect(() => planParts(6 * 1024 ** 4 * 1000)).toThrow(/5 GiB/);
  });
});
