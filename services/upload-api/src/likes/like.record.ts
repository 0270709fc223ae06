// A like or unlike as the engagement lake records it: an `engagement.events` record written by the API through the
// outbox, so the lake keeps every change of per-user like state beside what players send.
import { randomUUID } from 'node:crypto';
import type { EngagementEventRecordV1 } from '@reelforge/contracts';

/** Who the record says sent it: the API on behalf of a signed-in user, not a player. */
export const API_CLIENT = { app: 'reelforge-upload-api', version: '1' } as const;

export function likeRecord(input: {
  type: 'like' | 'unlike';
  videoId: string;
  userId: string;
  ip: string;
  userAgent: string | null;
  at: Date;
  eventId?: string;
}): EngagementEventRecordV1 {
  const eventId = input.eventId ?? randomUUID();
  return {
    version: 1,
    received_at: input.at.toISOString(),
    ip: input.ip,
    user_agent: input.userAgent,
    event: {
      schema_version: 1,
      event_id: eventId,
      event_type: input.type,
      timestamp: input.at.toISOString(),
      user_id: input.userId,
      device_id: API_CLIENT.app,
      session_id: eventId,
      content_id: input.videoId,
      position_sec: 0,
      client: { ...API_CLIENT },
    },
  };
}
