// Turns a request body into the list of candidate events: a JSON array, or NDJSON where each line stands alone so
// one garbled line from a streaming client costs that line, not the batch. Each event keeps where its JSON sits in
// the body, so an accepted event goes to Kafka as the bytes the player sent.
import { isUtf8 } from 'node:buffer';
import { AppError } from '@reelforge/contracts';
import sjson from 'secure-json-parse';
import { arrayObjectSpans, lineObjectSpan } from './element.spans.js';

/** An NDJSON line that is not JSON. Every other item of a batch is the parsed value itself, unwrapped. */
export class Unparseable {
  constructor(readonly reason: string) {}
}

export type BatchItem = unknown;

export interface Batch {
  items: BatchItem[];
  /** The body as UTF-8. */
  source: Buffer;
  /** Item i, when it is an object, is source[spans[2i], spans[2i + 1]). */
  spans: Int32Array;
}

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

// `__proto__` keys would reach the zod output of a loose object; such a body is refused rather than cleaned.
const parseOptions = { protoAction: 'error', constructorAction: 'ignore' } as const;

/**
 * secure-json-parse costs half again as much as JSON.parse. A text can only hold a `__proto__` key if it spells it
 * out or uses a \u escape (which could spell it), so only such texts take the careful path.
 */
function parserFor(body: Buffer): (json: string) => unknown {
  return body.includes('__proto__') || body.includes('\\u')
    ? (json) => sjson.parse(json, null, parseOptions)
    : JSON.parse;
}

/**
 * Malformed UTF-8 decodes to U+FFFD; the body is re-encoded from what was decoded so that the bytes passed on are
 * the text that was validated.
 */
function asUtf8(body: Buffer): Buffer {
  return isUtf8(body) ? body : Buffer.from(body.toString('utf8'), 'utf8');
}

export function parseJsonBatch(body: Buffer, maxEvents: number): Batch {
  const text = body.toString('utf8');
  let items: unknown;
  try {
    items = parserFor(body)(text);
  } catch (err) {
    throw new AppError('BAD_REQUEST', 'the body is not valid JSON', { cause: err });
  }
  if (!Array.isArray(items)) throw new AppError('BAD_REQUEST', 'the body must be a JSON array of events');
  checkSize(items.length, maxEvents);
  const source = asUtf8(body);
  return { items, source, spans: arrayObjectSpans(source, items.length) };
}

const NEWLINE = 0x0a;

/** Blank lines are skipped and not counted: an event's index is its position among the non-blank lines. */
export function parseNdjsonBatch(body: Buffer, maxEvents: number): Batch {
  const source = asUtf8(body);
  const parse = parserFor(source);
  const items: BatchItem[] = [];
  const spans: number[] = [];
  let start = 0;
  while (start < source.length) {
    let end = source.indexOf(NEWLINE, start);
    if (end === -1) end = source.length;
    const line = source.toString('utf8', start, end).trim();
    if (line !== '') {
      checkSize(items.length + 1, maxEvents);
      let item: unknown;
      try {
        item = parse(line);
      } catch {
        item = new Unparseable('not valid JSON');
      }
      items.push(item);
      spans.push(...(isObject(item) ? lineObjectSpan(source, start, end) : [0, 0]));
    }
    start = end + 1;
  }
  return { items, source, spans: Int32Array.from(spans) };
}

const isObject = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Unparseable);

function checkSize(count: number, maxEvents: number): void {
  if (count > maxEvents) throw new AppError('TOO_LARGE', `a batch holds at most ${maxEvents} events`);
}
