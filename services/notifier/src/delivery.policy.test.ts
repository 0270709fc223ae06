import { describe, expect, it } from 'vitest';
import { type DeliveryPolicy, decideAttempt, defaultDeliveryPolicy, retrySchedule } from './delivery.policy.js';

const now = new Date('2026-12-03T10:00:00.000Z');
const policy: DeliveryPolicy = { ...defaultDeliveryPolicy, retry: { ...defaultDeliveryPolicy.retry, jitter: 'none' } };
const ok = { statusCode: 204, error: null } as const;
const status = (statusCode: number) => ({ statusCode, error: null });

describe('retrySchedule', () => {
  it('doubles from a minute up to 8 h: eleven retries over about a day', () => {
    const minutes = retrySchedule(defaultDeliveryPolicy).map((ms) => ms / 60_000);
    expect(minutes).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 480, 480]);
    expect(minutes.reduce((a, b) => a + b, 0) / 60).toBeCloseTo(24.5, 1);
  });
});

describe('decideAttempt', () => {
  it('delivers on any 2xx and ends the endpoint’s failure streak', () => {
    for (const code of [200, 202, 204, 299]) {
      expect(
        decideAttempt({ result: status(code), attemptsBefore: 3, failingSince: new Date(0), now }, policy),
      ).toEqual({
        outcome: 'delivered',
        status: 'delivered',
        nextAttemptAt: null,
        error: null,
        failingSince: null,
        disable: null,
      });
    }
  });

  it('retries a 500 after the backoff of its attempt number, starting a streak', () => {
    expect(decideAttempt({ result: status(500), attemptsBefore: 0, failingSince: null, now }, policy)).toEqual({
      outcome: 'retry',
      status: 'pending',
      nextAttemptAt: new Date('2026-12-03T10:01:00.000Z'),
      error: 'HTTP 500',
      failingSince: now,
      disable: null,
    });
    const third = decideAttempt(
      { result: status(503), attemptsBefore: 2, failingSince: new Date(0), now },
      {
        ...policy,
        disableAfterMs: Number.MAX_SAFE_INTEGER,
      },
    );
    expect(third.nextAttemptAt).toEqual(new Date('2026-12-03T10:04:00.000Z'));
    expect(third.failingSince).toEqual(new Date(0));
  });

  it('jitters the delay ±20 % by default', () => {
    const at = (r: number) =>
      decideAttempt(
        { result: status(500), attemptsBefore: 0, failingSince: null, now },
        defaultDeliveryPolicy,
        () => r,
      ).nextAttemptAt?.getTime();
    expect([at(0), at(0.5), at(0.999999)].map((t) => ((t ?? 0) - now.getTime()) / 1000)).toEqual([48, 60, 72]);
  });

  it('treats no answer and a redirect as failures with their reason', () => {
    expect(
      decideAttempt(
        { result: { statusCode: null, error: 'connect timeout' }, attemptsBefore: 0, failingSince: null, now },
        policy,
      ).error,
    ).toBe('connect timeout');
    expect(decideAttempt({ result: status(302), attemptsBefore: 0, failingSince: null, now }, policy)).toMatchObject({
      outcome: 'retry',
      error: 'HTTP 302: redirects are not followed',
    });
  });

  it('gives up after the last attempt', () => {
    expect(decideAttempt({ result: status(500), attemptsBefore: 11, failingSince: now, now }, policy)).toEqual({
      outcome: 'exhausted',
      status: 'failed',
      nextAttemptAt: null,
      error: 'HTTP 500',
      failingSince: now,
      disable: null,
    });
  });

  it('stops and disables the endpoint on 410 Gone', () => {
    expect(decideAttempt({ result: status(410), attemptsBefore: 0, failingSince: null, now }, policy)).toEqual({
      outcome: 'gone',
      status: 'failed',
      nextAttemptAt: null,
      error: 'HTTP 410',
      failingSince: now,
      disable: 'The endpoint answered 410 Gone: it asked not to be called again.',
    });
  });

  it('disables an endpoint failing for the whole window, not one just short of it', () => {
    const since = new Date(now.getTime() - 24 * 3600_000);
    expect(decideAttempt({ result: status(500), attemptsBefore: 4, failingSince: since, now }, policy).disable).toBe(
      'Every attempt failed since 2026-12-02T10:00:00.000Z (more than 24 h); last: HTTP 500',
    );
    const justShort = new Date(since.getTime() + 1);
    expect(
      decideAttempt({ result: status(500), attemptsBefore: 4, failingSince: justShort, now }, policy).disable,
    ).toBeNull();
    expect(decideAttempt({ result: ok, attemptsBefore: 4, failingSince: since, now }, policy).disable).toBeNull();
  });
});
