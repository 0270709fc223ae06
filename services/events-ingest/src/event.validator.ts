// Decides, event by event, what is accepted: the contract first, then the sending device's rate limit. A refusal
// names its reasons so a player can fix or drop exactly that event.
import { EngagementEventV1, type RejectedEvent } from '@reelforge/contracts';
import { type BatchItem, Unparseable } from './batch.parser.js';

export interface RateLimit {
  /** Takes one event's worth from the device's allowance; false when it has none left. */
  take(deviceId: string, nowMs: number): boolean;
}

export interface ValidatedBatch {
  accepted: EngagementEventV1[];
  rejected: RejectedEvent[];
  /** How many of the rejected were refused by the rate limit rather than the contract. */
  rateLimited: number;
}

export const RATE_LIMITED_REASON = 'rate limited: too many events from this device';

export function validateBatch(items: BatchItem[], rateLimit: RateLimit, nowMs: number): ValidatedBatch {
  const accepted: EngagementEventV1[] = [];
  const rejected: RejectedEvent[] = [];
  let rateLimited = 0;
  items.forEach((item, index) => {
    if (item instanceof Unparseable) {
      rejected.push({ index, reasons: [item.reason] });
      return;
    }
    const parsed = EngagementEventV1.safeParse(item);
    if (!parsed.success) {
      rejected.push({
        index,
        reasons: parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(event)'}: ${i.message}`),
      });
      return;
    }
    // Only valid events spend the allowance: a broken player should not lock out its own good events.
    if (!rateLimit.take(parsed.data.device_id, nowMs)) {
      rateLimited++;
      rejected.push({ index, reasons: [RATE_LIMITED_REASON] });
      return;
    }
    accepted.push(parsed.data);
  });
  return { accepted, rejected, rateLimited };
}
