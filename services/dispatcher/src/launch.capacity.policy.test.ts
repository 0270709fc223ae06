import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { judgeLaunchFailure } from './launch.capacity.policy.js';

const now = new Date('2026-01-01T00:00:00.000Z');
const policy = { baseMs: 2000, capMs: 60_000 };
const at = (ms: number) => new Date(now.getTime() + ms);

describe('judgeLaunchFailure', () => {
  it('puts a capacity shortage back to wait, longer with each wait, never past the cap', () => {
    const short = new AppError('LAUNCH_CAPACITY', 'ECS did not start the task: RESOURCE:CPU');
    expect([0, 1, 2, 10].map((waits) => judgeLaunchFailure(short, waits, now, policy, () => 0))).toEqual([
      { kind: 'wait', launchAfter: at(1000) },
      { kind: 'wait', launchAfter: at(2000) },
      { kind: 'wait', launchAfter: at(4000) },
      { kind: 'wait', launchAfter: at(30_000) },
    ]);
    expect(judgeLaunchFailure(short, 0, now, policy, () => 0.5)).toEqual({ kind: 'wait', launchAfter: at(1500) });
  });

  it('fails any other launch error as it is, and wraps what is not an AppError as LAUNCH_FAILED', () => {
    const refused = new AppError('BAD_REQUEST', 'ECS RunTask failed: ClusterNotFoundException');
    expect(judgeLaunchFailure(refused, 0, now, policy)).toEqual({ kind: 'fail', error: refused });
    const flaky = new AppError('LAUNCH_FAILED', 'ECS did not start the task: AGENT');
    expect(judgeLaunchFailure(flaky, 3, now, policy)).toEqual({ kind: 'fail', error: flaky });
    const verdict = judgeLaunchFailure(new Error('spawn ENOENT'), 0, now, policy);
    expect(verdict.kind === 'fail' && [verdict.error.code, verdict.error.message, verdict.error.retryable]).toEqual([
      'LAUNCH_FAILED',
      'launch failed: Error: spawn ENOENT',
      true,
    ]);
  });
});
