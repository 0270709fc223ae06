import { describe, expect, it } from 'vitest';
import { sleep } from './sleep.js';

describe('sleep', () => {
  it('resolves true when the time passed', async () => {
    expect(await sleep(5)).toBe(true);
  });

  it('resolves false at once when aborted, and at once when already aborted', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const slept = sleep(10_000, ac.signal);
    ac.abort();
    expect(await slept).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await sleep(10_000, ac.signal)).toBe(false);
  });
});
