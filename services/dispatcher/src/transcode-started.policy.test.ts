import { describe, expect, it } from 'vitest';
import { decideStarted } from './transcode-started.policy.js';

const policy = { factor: 1, startupSec: 10, defaultDurationSec: 5 };
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (sec: number) => new Date(t0.getTime() + sec * 1000);
const video = { status: 'processing' as const, attempt: 2 };
// Created at t0, launched at t0 + 3 s, granted the default: 5 s × 1 + 10 s from creation.
const job = { status: 'running' as const, createdAt: t0, startedAt: at(3), deadlineAt: at(15) };
const msg = { attempt: 2, durationSec: 40.5, width: 1280, height: 720 };
const source = { durationSec: 40.5, width: 1280, height: 720 };

describe('decideStarted', () => {
  it('re-sizes the deadline from the real duration, measured from the launch', () => {
    // t0 + 3 s + 40.5 s × 1 + 10 s
    expect(decideStarted(video, job, msg, policy)).toEqual({ kind: 'record', source, extendTo: at(53.5) });
  });

  it('measures from the creation while the launch is not recorded yet', () => {
    const launching = { ...job, status: 'launching' as const, startedAt: null };
    expect(decideStarted({ ...video, status: 'queued' }, launching, msg, policy)).toEqual({
      kind: 'record',
      source,
      extendTo: at(50.5),
    });
  });

  it('never moves a deadline earlier: a shorter video keeps what was granted', () => {
    expect(decideStarted(video, job, { ...msg, durationSec: 1 }, policy)).toEqual({
      kind: 'record',
      source: { ...source, durationSec: 1 },
      extendTo: null,
    });
    // A redelivery after the extension finds it applied.
    expect(decideStarted(video, { ...job, deadlineAt: at(53.5) }, msg, policy)).toMatchObject({ extendTo: null });
  });

  it('records the source but leaves an ended or missing job alone', () => {
    expect(decideStarted(video, { ...job, status: 'lost' }, msg, policy)).toEqual({
      kind: 'record',
      source,
      extendTo: null,
    });
    expect(decideStarted(video, null, msg, policy)).toEqual({ kind: 'record', source, extendTo: null });
  });

  it('changes nothing for another attempt, a finished, missing or not transcoding video', () => {
    expect(decideStarted(video, job, { ...msg, attempt: 1 }, policy)).toEqual({
      kind: 'ignore',
      reason: 'other-attempt',
    });
    expect(decideStarted(video, job, { ...msg, attempt: 3 }, policy)).toEqual({
      kind: 'ignore',
      reason: 'other-attempt',
    });
    expect(decideStarted({ ...video, status: 'ready' }, job, msg, policy)).toEqual({
      kind: 'ignore',
      reason: 'video-finished',
    });
    expect(decideStarted(null, job, msg, policy)).toEqual({ kind: 'ignore', reason: 'video-missing' });
    expect(decideStarted({ ...video, status: 'uploaded' }, job, msg, policy)).toEqual({
      kind: 'ignore',
      reason: 'not-transcoding',
    });
  });
});
