import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPeriodic } from './periodic.runner.js';

const silent = pino({ level: 'silent' });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A pass that takes `ms` of (fake) time. */
const takes = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('startPeriodic', () => {
  it('runs at once, then one interval after each pass ends, never two at once, and goes on after a failure', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'error' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const starts: number[] = [];
    let running = 0;
    let overlapped = false;
    const t0 = Date.now();
    const runner = startPeriodic(
      'test',
      10,
      async () => {
        starts.push(Date.now() - t0);
        running++;
        overlapped ||= running > 1;
        await takes(30);
        running--;
        if (starts.length === 1) throw new Error('first pass fails');
      },
      logger,
    );
    expect(starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(125);
    // Each pass takes 30 ms and the next starts 10 ms after it ended.
    expect(starts).toEqual([0, 40, 80, 120]);
    expect(overlapped).toBe(false);
    expect(lines).toMatchObject([{ msg: 'periodic pass failed', pass: 'test', err: { message: 'first pass fails' } }]);
    const stopped = runner.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await stopped;
    expect(starts).toHaveLength(4);
  });

  it('takes the delay a pass returns instead of the interval', async () => {
    const starts: number[] = [];
    const delays = [0, 0, 500];
    const t0 = Date.now();
    const runner = startPeriodic(
      'busy',
      100,
      async () => {
        starts.push(Date.now() - t0);
        return delays.shift();
      },
      silent,
    );
    await vi.advanceTimersByTimeAsync(700);
    // (The fake clock may count a zero-delay timer as 1 ms.)
    const [a = 0, b = 0, c = 0, d = 0, e = 0] = starts;
    expect(starts).toHaveLength(5);
    expect(c).toBeLessThanOrEqual(2);
    expect([b - a, c - b, d - c, e - d].map((gap, i) => (i < 2 ? gap <= 1 : gap))).toEqual([true, true, 500, 100]);
    await runner.stop();
  });

  it('waits one interval before the first pass when not immediate', async () => {
    let passes = 0;
    const runner = startPeriodic('later', 1000, async () => void passes++, silent, { immediate: false });
    await vi.advanceTimersByTimeAsync(999);
    expect(passes).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(passes).toBe(1);
    await runner.stop();
  });

  it('waits for the pass in flight when stopped, and starts no other', async () => {
    let finished = false;
    let passes = 0;
    const runner = startPeriodic(
      'slow',
      10,
      async () => {
        passes++;
        await takes(50);
        finished = true;
      },
      silent,
    );
    const stopped = runner.stop().then(() => 'stopped');
    await vi.advanceTimersByTimeAsync(49);
    expect(await Promise.race([stopped, Promise.resolve('pending')])).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(await stopped).toBe('stopped');
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(passes).toBe(1);
  });
});
