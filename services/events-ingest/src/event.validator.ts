// Decides, event by event, what is accepted: the contract first, then the playback session the request's token
// vouches for (its video, session and viewer, which the event must name), then the rate limits. A refusal names its
// reasons so a player can fix or drop exactly that event.
import { EngagementEventV1, MediaEventV1, type RejectedEvent } from '@reelforge/contracts';
import { type BatchItem, Unparseable } from './batch.parser.js';
import { compileEventCheck, compileMediaEventCheck } from './event.contract.js';

/** What the request's session token says; an event about anything else is refused. */
export interface SessionBinding {
  videoId: string;
  sessionId: string;
  userId: string | null;
}

export interface ValidatedBatch {
  /** Positions of the accepted items, in order; each such item is an EngagementEventV1 as sent, extras included. */
  accepted: number[];
  rejected: RejectedEvent[];
  /** How many of the rejected were refused by the rate limit rather than the contract or the session. */
  rateLimited: number;
}

export const RATE_LIMITED_REASON = 'rate limited: too many events from this playback session or address';

const isEvent = compileEventCheck();
const isMediaEvent = compileMediaEventCheck();

/**
 * A batch sent with an API key: each item must be the analytics design's MediaEventV1. The key vouches for the
 * sender, not for a session, so there is nothing to match the ids against; `admit` spends one event's allowance of
 * the sender's API key (not a session's or an address's: the operator's servers send for many viewers).
 */
export function validateMediaBatch(items: BatchItem[], admit: () => boolean): ValidatedBatch {
  return validateItems(
    items,
    (item) => {
      if (isMediaEvent(item)) return [];
      const parsed = MediaEventV1.safeParse(item);
      return parsed.success ? [] : parsed.error.issues.map(reason);
    },
    admit,
  );
}

/** `admit` spends one event's allowance (per session, per address) and says whether there was any. */
export function validateBatch(items: BatchItem[], session: SessionBinding, admit: () => boolean): ValidatedBatch {
  return validateItems(
    items,
    (item) => {
      if (isEvent(item)) return mismatches(item, session);
      // The zod contract itself words the reasons (and has the last say).
      const parsed = EngagementEventV1.safeParse(item);
      return parsed.success ? mismatches(parsed.data, session) : parsed.error.issues.map(reason);
    },
    admit,
  );
}

/**
 * One pass over a batch: an unparseable item, or one `check` finds reasons against, is rejected with them; a valid
 * one then spends an allowance, or is rejected as rate-limited. Only valid events spend it: a broken sender should
 * not lock out its own good events.
 */
function validateItems(items: BatchItem[], check: (item: unknown) => string[], admit: () => boolean): ValidatedBatch {
  const accepted: number[] = [];
  const rejected: RejectedEvent[] = [];
  let rateLimited = 0;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const reasons = item instanceof Unparseable ? [item.reason] : check(item);
    if (reasons.length > 0) {
      rejected.push({ index, reasons });
    } else if (admit()) {
      accepted.push(index);
    } else {
      rateLimited++;
      rejected.push({ index, reasons: [RATE_LIMITED_REASON] });
    }
  }
  return { accepted, rejected, rateLimited };
}

/**
 * The event's own ids must repeat the token's rather than be overwritten by them: the record keeps the player's
 * bytes untouched, and the lake reads these fields, so a record is only ever about what the token vouched for.
 */
function mismatches(event: EngagementEventV1, session: SessionBinding): string[] {
  if (
    event.content_id === session.videoId &&
    event.session_id === session.sessionId &&
    event.user_id === session.userId
  ) {
    return [];
  }
  const reasons: string[] = [];
  if (event.content_id !== session.videoId) reasons.push('content_id: not the video of the session token');
  if (event.session_id !== session.sessionId) reasons.push('session_id: not the session of the session token');
  if (event.user_id !== session.userId) {
    reasons.push(
      session.userId === null
        ? 'user_id: must be null, the session token is for an anonymous viewer'
        : 'user_id: not the viewer of the session token',
    );
  }
  return reasons;
}

const reason = (issue: { path: PropertyKey[]; message: string }) =>
  `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`;
