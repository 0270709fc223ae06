import { describe, expect, it } from 'vitest';
import { chunkProgress, decidePartReport } from './part-report.policy.js';

const job = { status: 'running' as const, chunkCount: 4 };
const chunk = { kind: 'chunk' as const, chunkIndex: 2, status: 'running' as const, partAttempt: 1 };
const done = { kind: 'done' as const };
const lost = { kind: 'failed' as const, code: 'TASK_LOST', message: 'task 42 stopped', retryable: true };

describe('decidePartReport', () => {
  it('records a running part done', () => {
    expect(decidePartReport(job, chunk, done, 3)).toEqual({ kind: 'done' });
    expect(decidePartReport(job, { ...chunk, status: 'launching' }, done, 3)).toEqual({ kind: 'done' });
  });

  it('launches a part again after a retryable failure, below its limit', () => {
    expect(decidePartReport(job, chunk, lost, 3)).toEqual({ kind: 'retry', nextPartAttempt: 2 });
    expect(decidePartReport(job, { ...chunk, partAttempt: 2 }, lost, 3)).toEqual({ kind: 'retry', nextPartAttempt: 3 });
  });

  it('fails the attempt at the limit, naming the part and the last failure', () => {
    expect(decidePartReport(job, { ...chunk, partAttempt: 3 }, lost, 3)).toEqual({
      kind: 'fail-attempt',
      cause: 'exhausted',
      error: { code: 'TASK_LOST', message: 'chunk 2 failed 3 times; last: task 42 stopped' },
    });
    const aux = { ...chunk, kind: 'aux' as const, chunkIndex: 0, partAttempt: 2 };
    expect(decidePartReport(job, aux, lost, 2)).toMatchObject({
      error: { message: 'the aux part failed 2 times; last: task 42 stopped' },
    });
  });

  it('fails the attempt on a permanent failure whatever the part-attempt', () => {
    const permanent = { kind: 'failed' as const, code: 'MEDIA_INVALID', message: 'bad frame', retryable: false };
    expect(decidePartReport(job, chunk, permanent, 3)).toEqual({
      kind: 'fail-attempt',
      cause: 'permanent',
      error: { code: 'MEDIA_INVALID', message: 'bad frame' },
    });
  });

  it('ignores reports of parts not running, of ended or unchunked jobs, and of parts not in the plan', () => {
    expect(decidePartReport(job, { ...chunk, status: 'succeeded' }, done, 3)).toEqual({
      kind: 'ignore',
      reason: 'part-not-running',
    });
    expect(decidePartReport(job, { ...chunk, status: 'pending' }, lost, 3)).toEqual({
      kind: 'ignore',
      reason: 'part-not-running',
    });
    expect(decidePartReport({ ...job, status: 'failed' }, chunk, done, 3)).toEqual({
      kind: 'ignore',
      reason: 'job-ended',
    });
    expect(decidePartReport({ ...job, chunkCount: null }, chunk, done, 3)).toEqual({
      kind: 'ignore',
      reason: 'not-chunked',
    });
    expect(decidePartReport(null, chunk, done, 3)).toEqual({ kind: 'ignore', reason: 'not-chunked' });
    expect(decidePartReport(job, null, done, 3)).toEqual({ kind: 'ignore', reason: 'no-part' });
  });
});

describe('chunkProgress', () => {
  it('is the share of parts done, the stitch counted as one, never 100 before ready', () => {
    // 4 chunks + aux + stitch = 6 parts.
    expect(chunkProgress(0, 4)).toBe(0);
    expect(chunkProgress(1, 4)).toBe(16);
    expect(chunkProgress(3, 4)).toBe(50);
    expect(chunkProgress(5, 4)).toBe(83);
    expect(chunkProgress(9, 4)).toBe(83);
  });
});
