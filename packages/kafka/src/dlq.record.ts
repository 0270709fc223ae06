// What a consumer writes to `<topic>.dlq` for a record it cannot decode: the original bytes untouched, so the
// record can be inspected and replayed, and where it came from and why in headers.
import { dlqTopic } from '@reelforge/contracts';
import type { IHeaders } from 'kafkajs';

/** Kafka headers are small; a reason quoting a huge payload must not make the DLQ write itself fail. */
const MAX_REASON_CHARS = 1000;

export interface DlqSource {
  /** The full topic name, prefix included. */
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export interface DlqRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export function buildDlqRecord(source: DlqSource, reason: string): DlqRecord {
  return {
    topic: dlqTopic(source.topic),
    key: source.key,
    value: source.value,
    headers: {
      ...source.headers,
      'x-dlq-reason': reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason,
      'x-original-topic': source.topic,
      'x-original-partition': String(source.partition),
      'x-original-offset': source.offset,
    },
  };
}
