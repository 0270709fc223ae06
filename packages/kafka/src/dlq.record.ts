// What a consumer writes to `<topic>.dlq` for a record it set aside — one it cannot decode, or one whose handler
// kept failing on it: the original bytes untouched, so the record can be inspected and replayed, and where it came
// from and why in headers.
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

export type DlqReason =
  /** The bytes are not a message of the topic's contract; `detail` says where they went wrong. */
  | { kind: 'undecodable'; detail: string }
  /** The handler failed on it `attempts` times with errors that were not transient; `error` is the last. */
  | { kind: 'handler-failed'; error: unknown; attempts: number };

export type DlqReasonKind = DlqReason['kind'];

export interface DlqRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

const clip = (text: string) => (text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text);

/** The class, code (an AppError's, or a Node/driver `code`) and message of what a handler threw. */
export function describeError(err: unknown): { errorClass: string; code?: string; message: string } {
  if (!(err instanceof Error)) return { errorClass: typeof err, message: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    errorClass: err.name === 'Error' ? err.constructor.name : err.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
    message: err.message,
  };
}

function reasonHeaders(reason: DlqReason): Record<string, string> {
  if (reason.kind === 'undecodable') return { 'x-dlq-reason': clip(reason.detail), 'x-dlq-reason-kind': reason.kind };
  const { errorClass, code, message } = describeError(reason.error);
  return {
    'x-dlq-reason': clip(`handler failed ${reason.attempts} times: ${errorClass}${code ? ` ${code}` : ''}: ${message}`),
    'x-dlq-reason-kind': reason.kind,
    'x-dlq-error-class': errorClass,
    ...(code === undefined ? {} : { 'x-dlq-error-code': code }),
    'x-dlq-error-message': clip(message),
    'x-dlq-attempts': String(reason.attempts),
  };
}

export function buildDlqRecord(source: DlqSource, reason: DlqReason): DlqRecord {
  return {
    topic: dlqTopic(source.topic),
    key: source.key,
    value: source.value,
    headers: {
      ...source.headers,
      ...reasonHeaders(reason),
      'x-original-topic': source.topic,
      'x-original-partition': String(source.partition),
      'x-original-offset': source.offset,
    },
  };
}
