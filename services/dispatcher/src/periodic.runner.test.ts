import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startPeriodic } from './periodic.runner.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startPeriodic', () => {
  it('runs at once, then again after each pass, never two at once, and goes on after a failed pass', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'error' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    let running = 0;
    let overlapped = false;
    let passes = 0;
    const runner = startPeriodic(
      'test',
      10,
      async () => {
        passes++;
        running++;
        overlapped ||= running > 1;
        await sleep(30);
        running--;
        if (passes === 1) throw new Error('first pass fails');
      },
      logger,
    );
    expect(passes).toBe(1);
    await sleep(200);
    await runner.stop();
    const after = passes;
    await sleep(60);
    expect(passes).toBe(after);
    expect(passes).toBeGreaterThanOrEqual(3);
    expect(overlapped).toBe(false);
    expect(lines).toMatchObject([{ msg: 'periodic pass failed', pass: 'test', err: { message: 'first pass fails' } }]);
  });

  it('waits for the pass in flight when stopped', async () => {
    let finished = false;
    const runner = startPeriodic(
      'slow',
      1000,
      async () => {
        await sleep(50);
        finished = true;
      },
      pino({ level: 'silent' }),
    );
    await runner.stop();
    expect(finished).toBe(true);
  });
});
