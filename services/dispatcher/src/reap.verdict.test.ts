import { describe, expect, it } from 'vitest';
import { reapVerdict } from './reap.verdict.js';

const now = new Date('2026-01-01T12:00:00.000Z');
const at = (offsetSec: number) => new Date(now.getTime() + offsetSec * 1000);
const grace = { stoppedMs: 30_000, succeededMs: 300_000 };
const job = (deadlineOffsetSec: number, taskId: string | null = 'task-1') => ({
  taskId,
  deadlineAt: at(deadlineOffsetSec),
});

describe('reapVerdict before the deadline', () => {
  it('keeps a running task, an unknown one and a job not started yet', () => {
    expect(reapVerdict(job(60), { state: 'running' }, now, grace)).toEqual({ action: 'keep' });
    expect(reapVerdict(job(60), { state: 'unknown' }, now, grace)).toEqual({ action: 'keep' });
    expect(reapVerdict(job(60, null), null, now, grace)).toEqual({ action: 'keep' });
  });

  it('keeps a task that stopped within the grace period: its result may be on its way', () => {
    const stopped = { state: 'stopped' as const, exitCode: 1, reason: 'exited with code 1', stoppedAt: at(-29) };
    expect(reapVerdict(job(60), stopped, now, grace)).toEqual({ action: 'keep' });
  });

  it('gives a task that exited 0 the longer grace period: it published its result before exiting', () => {
    const succeeded = (sec: number) => ({
      state: 'stopped' as const,
      exitCode: 0,
      reason: 'exited with code 0',
      stoppedAt: at(-sec),
    });
    expect(reapVerdict(job(600), succeeded(31), now, grace)).toEqual({ action: 'keep' });
    expect(reapVerdict(job(600), succeeded(299.999), now, grace)).toEqual({ action: 'keep' });
    expect(reapVerdict(job(600), succeeded(300), now, grace)).toEqual({
      action: 'lost',
      code: 'TASK_LOST',
      message: 'task task-1 stopped without a result (exit code 0; exited with code 0)',
      exitCode: 0,
      stopTask: false,
    });
  });

  it('gives a failed exit only the short grace period', () => {
    const failed = { state: 'stopped' as const, exitCode: 1, reason: 'exited with code 1', stoppedAt: at(-30) };
    expect(reapVerdict(job(600), failed, now, grace)).toMatchObject({ action: 'lost', exitCode: 1 });
  });

  it('declares a task lost once it stopped longer ago than the grace period, with its exit code and reason', () => {
    const stopped = { state: 'stopped' as const, exitCode: null, reason: 'killed by SIGKILL', stoppedAt: at(-30) };
    expect(reapVerdict(job(60), stopped, now, grace)).toEqual({
      action: 'lost',
      code: 'TASK_LOST',
      message: 'task task-1 stopped without a result (no exit code; killed by SIGKILL)',
      exitCode: null,
      stopTask: false,
    });
  });

  it('counts a stop of unknown time (ECS forgot the task) as past the grace period', () => {
    const stopped = { state: 'stopped' as const, exitCode: 137, reason: 'EssentialContainerExited: OutOfMemoryError' };
    expect(reapVerdict(job(60), stopped, now, grace)).toMatchObject({
      action: 'lost',
      code: 'TASK_LOST',
      message: 'task task-1 stopped without a result (exit code 137; EssentialContainerExited: OutOfMemoryError)',
      exitCode: 137,
    });
  });
});

describe('reapVerdict at the deadline', () => {
  it('stops a task still running and reports a timeout', () => {
    expect(reapVerdict(job(0), { state: 'running' }, now, grace)).toEqual({
      action: 'lost',
      code: 'TRANSCODE_TIMEOUT',
      message: 'task task-1 still running at the deadline 2026-01-01T12:00:00.000Z; stopped',
      exitCode: null,
      stopTask: true,
    });
  });

  it('declares lost a task nobody can find and a launch never recorded', () => {
    expect(reapVerdict(job(-1), { state: 'unknown' }, now, grace)).toMatchObject({
      code: 'TASK_LOST',
      message: 'task task-1 not found at the deadline 2026-01-01T11:59:59.000Z',
      stopTask: false,
    });
    expect(reapVerdict(job(-1, null), null, now, grace)).toMatchObject({
      code: 'TASK_LOST',
      message: 'no task was recorded as started by the deadline 2026-01-01T11:59:59.000Z',
    });
  });

  it('still waits out the grace period of a task that has just stopped', () => {
    const stopped = { state: 'stopped' as const, exitCode: 1, reason: 'exited with code 1', stoppedAt: at(-1) };
    expect(reapVerdict(job(-5), stopped, now, grace)).toEqual({ action: 'keep' });
  });

  it('waits out the longer grace of a task that exited 0, deadline or not', () => {
    const stopped = { state: 'stopped' as const, exitCode: 0, reason: 'exited with code 0', stoppedAt: at(-120) };
    expect(reapVerdict(job(-60), stopped, now, grace)).toEqual({ action: 'keep' });
  });
});
