// Wraps accepted events into `engagement.events` records (EngagementEventRecordV1), keyed by content_id.
import type { EngagementEventV1 } from '@reelforge/contracts';
import type { EventMessage } from './kafka.sender.js';

export interface RequestMeta {
  receivedAt: Date;
  ip: string;
  userAgent: string | null;
}

export function buildRecords(events: EngagementEventV1[], meta: RequestMeta): EventMessage[] {
  // The envelope is the same for every event of a request, so it is serialised once and each event is spliced
  // into it: at 100k events/s, re-serialising it per event is a visible share of the CPU.
  const envelope = JSON.stringify({
    version: 1,
    received_at: meta.receivedAt.toISOString(),
    ip: meta.ip,
    user_agent: meta.userAgent,
  });
  const prefix = `${envelope.slice(0, -1)},"event":`;
  return events.map((event) => ({
    key: event.content_id,
    value: `${prefix}${JSON.stringify(event)}}`,
  }));
}
