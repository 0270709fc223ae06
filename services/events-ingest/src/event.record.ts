// Wraps accepted events into `engagement.events` records (EngagementEventRecordV1, or MediaEventRecordV1 for a batch
// sent with an API key), keyed by content_id. Each value is the request's envelope around the event's own bytes
// from the body, so no event is serialised again.
import type { Batch } from './batch.parser.js';
import type { EventMessage } from './kafka.sender.js';

export interface RequestMeta {
  receivedAt: Date;
  ip: string;
  userAgent: string | null;
  /** Set for a batch sent with an API key: the records are MediaEventRecordV1. */
  apiKeyId?: string;
}

const CLOSE_BRACE = 0x7d;

/** One record per accepted item of the batch (positions from validateBatch), all in one buffer per request. */
export function buildRecords(batch: Batch, accepted: readonly number[], meta: RequestMeta): EventMessage[] {
  const envelope = JSON.stringify({
    version: 1,
    received_at: meta.receivedAt.toISOString(),
    ip: meta.ip,
    user_agent: meta.userAgent,
    ...(meta.apiKeyId === undefined ? {} : { api_key_id: meta.apiKeyId }),
  });
  const prefix = Buffer.from(`${envelope.slice(0, -1)},"event":`);
  const { items, source, spans } = batch;
  let size = 0;
  for (const i of accepted) size += prefix.length + (spans[2 * i + 1] as number) - (spans[2 * i] as number) + 1;
  // One allocation per request rather than two per event; the values are views into it.
  const out = Buffer.allocUnsafe(size);
  const messages: EventMessage[] = new Array(accepted.length);
  let at = 0;
  for (let k = 0; k < accepted.length; k++) {
    const i = accepted[k] as number;
    const start = at;
    at += prefix.copy(out, at);
    at += source.copy(out, at, spans[2 * i], spans[2 * i + 1]);
    out[at++] = CLOSE_BRACE;
    messages[k] = { key: (items[i] as { content_id: string }).content_id, value: out.subarray(start, at) };
  }
  return messages;
}
