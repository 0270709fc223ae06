// The headers every Reelforge event carries, and the flattening of kafkajs headers into plain strings for handlers.
import type { IHeaders } from 'kafkajs';

export const CONTENT_TYPE_JSON = 'application/json';

/** Headers for a catalog event; its `version` field is the contract version (V1 → "1"). */
export function eventHeaders(message: { version: number }): Record<string, string> {
  return { 'content-type': CONTENT_TYPE_JSON, 'x-schema-version': String(message.version) };
}

/**
 * kafkajs hands headers over as Buffers, and as arrays when a key repeats; handlers get one string per key. A
 * repeated key keeps its last value, as Java's `lastHeader` does.
 */
export function readHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw.at(-1) : raw;
    if (value !== undefined) out[name] = value.toString();
  }
  return out;
}
