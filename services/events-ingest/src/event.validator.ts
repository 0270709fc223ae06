// Decides, event by event, what is accepted: the contract first, then the sending device's rate limit. A refusal
// names its reasons so a player can fix or drop exactly that event.
import { EngagementEventV1, type RejectedEvent } from '@reelforge/contracts';
import { type BatchItem, Unparseable } from './batch.parser.js';
import { compileEventCheck } from './event.contract.js';

export interface RateLimit {
  /** Takes one event's worth from the device's allowance; false when it has none left. */
  take(deviceId: string, nowMs: number): boolean;
}

export interface ValidatedBatch {
  /** Positions of the accepted items, in order; each such item is an EngagementEventV1 as sent, extras included. */
  accepted: number[];
  rejected: RejectedEvent[];
  /** How many of the rejected were refused by the rate limit rather than the contract. */
  rateLimited: number;
}

export const RATE_LIMITED_REASON = 'rate limited: too many events from this device';

const isEvent = compileEventCheck();

export function validateBatch(items: BatchItem[], rateLimit: RateLimit, nowMs: number): ValidatedBatch {
  const accepted: number[] = [];
  const rejected: RejectedEvent[] = [];
  let rateLimited = 0;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    if (item instanceof Unparseable) {
      rejected.push({ index, reasons: [item.reason] });
      continue;
    }
    let deviceId: string;
    if (isEvent(item)) {
      deviceId = item.device_id;
    } else {
      // The zod contract itself words the reasons (and has the last say).
      const parsed = EngagementEventV1.safeParse(item);
      if (!parsed.success) {
        rejected.push({ index, reasons: parsed.error.issues.map(reason) });
        continue;
      }
      deviceId = parsed.data.device_id;
    }
    // Only valid events spend the allowance: a broken player should not lock out its own good events.
    if (!rateLimit.take(deviceId, nowMs)) {
      rateLimited++;
      rejected.push({ index, reasons: [RATE_LIMITED_REASON] });
      continue;
    }
    accepted.push(index);
  }
  return { accepted, rejected, rateLimited };
}

const reason = (issue: { path: PropertyKey[]; message: string }) =>
  `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`;
