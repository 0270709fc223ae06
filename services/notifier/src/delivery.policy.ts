// What one attempt's answer means for its delivery and its endpoint, from facts alone: delivered, retried later
// (exponential backoff with jitter, @reelforge/core's), given up, and whether the endpoint is disabled.

import { backoffMs, type Jitter } from '@reelforge/core';
import type { WebhookDeliveryStatus } from '@reelforge/db';

export interface DeliveryPolicy {
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  retry: { baseMs: number; capMs: number; jitter: Jitter };
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
}

export const defaultDeliveryPolicy: DeliveryPolicy = {
  maxAttempts: 12,
  retry: { baseMs: 60_000, capMs: 8 * 3600_000, jitter: { ratio: 0.2 } },
  disableAfterMs: 24 * 3600_000,
};

/** An HTTP status, or no answer at all (refused target, DNS, connect, timeout, reset) with why. */
export type AttemptResult = { statusCode: number; error: null } | { statusCode: null; error: string };

export type DeliveryOutcome = 'delivered' | 'retry' | 'exhausted' | 'gone';

export interface AttemptDecision {
  outcome: DeliveryOutcome;
  status: WebhookDeliveryStatus;
  nextAttemptAt: Date | null;
  /** What the attempt log says went wrong (null when delivered). */
  error: string | null;
  /** The endpoint's failure streak from now on: null after a success. */
  failingSince: Date | null;
  /** The reason its owner reads when the endpoint is disabled by this attempt; null otherwise. */
  disable: string | null;
}

const isSuccess = (code: number) => code >= 200 && code < 300;

/** The delay after each failed attempt, with the jitter's midpoint: what docs/webhooks.md tabulates. */
export function retrySchedule(policy: DeliveryPolicy): number[] {
  return Array.from({ length: policy.maxAttempts - 1 }, (_, i) =>
    backoffMs(i + 1, { ...policy.retry, jitter: 'none' }),
  );
}

export function decideAttempt(
  input: { result: AttemptResult; attemptsBefore: number; failingSince: Date | null; now: Date },
  policy: DeliveryPolicy,
  random: () => number = Math.random,
): AttemptDecision {
  const { result, now } = input;
  if (result.statusCode !== null && isSuccess(result.statusCode)) {
    return {
      outcome: 'delivered',
      status: 'delivered',
      nextAttemptAt: null,
      error: null,
      failingSince: null,
      disable: null,
    };
  }
  const error =
    result.statusCode === null
      ? result.error
      : result.statusCode >= 300 && result.statusCode < 400
        ? `HTTP ${result.statusCode}: redirects are not followed`
        : `HTTP ${result.statusCode}`;
  const failingSince = input.failingSince ?? now;
  if (result.statusCode === 410) {
    return {
      outcome: 'gone',
      status: 'failed',
      nextAttemptAt: null,
      error,
      failingSince,
      disable: 'The endpoint answered 410 Gone: it asked not to be called again.',
    };
  }
  const attempts = input.attemptsBefore + 1;
  const failingMs = now.getTime() - failingSince.getTime();
  const disable =
    failingMs >= policy.disableAfterMs
      ? `Every attempt failed since ${failingSince.toISOString()} (more than ${Math.round(policy.disableAfterMs / 3600_000)} h); last: ${error}`
      : null;
  if (attempts >= policy.maxAttempts) {
    return { outcome: 'exhausted', status: 'failed', nextAttemptAt: null, error, failingSince, disable };
  }
  const delay = backoffMs(attempts, { ...policy.retry, random });
  return {
    outcome: 'retry',
    status: 'pending',
    nextAttemptAt: new Date(now.getTime() + delay),
    error,
    failingSince,
    disable,
  };
}
