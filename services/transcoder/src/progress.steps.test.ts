import { describe, expect, it } from 'vitest';
import { progressSteps } from './progress.steps.js';

describe('progressSteps', () => {
  it('emits the latest whole 5 % step when it changes, never one twice and nothing past 100', () => {
    const seen: number[] = [];
    const onProgress = progressSteps(5, (p) => seen.push(p));
    for (const p of [0, 1.2, 4.99, 5, 5.5, 9.9, 10.1, 23, 23.4, 99.9, 100, 100.4]) onProgress(p);
    expect(seen).toEqual([5, 10, 20, 95, 100]);
  });
});
