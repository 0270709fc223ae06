// Turns a request body into the list of candidate events: a JSON array, or NDJSON where each line stands alone so
// one garbled line from a streaming client costs that line, not the batch.
import { AppError } from '@reelforge/contracts';
import sjson from 'secure-json-parse';

/** An NDJSON line that is not JSON. Every other item of a batch is the parsed value itself, unwrapped. */
export class Unparseable {
  constructor(readonly reason: string) {}
}

export type BatchItem = unknown;

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

// `__proto__` keys would reach the zod output of a loose object; such a body is refused rather than cleaned.
const parseOptions = { protoAction: 'error', constructorAction: 'ignore' } as const;

/**
 * secure-json-parse costs half again as much as JSON.parse. A text can only hold a `__proto__` key if it spells it
 * out or uses a \u escape (which could spell it), so only such texts take the careful path.
 */
function parserFor(text: string): (json: string) => unknown {
  return text.includes('__proto__') || text.includes('\\u')
    ? (json) => sjson.parse(json, null, parseOptions)
    : JSON.parse;
}

export function parseJsonBatch(text: string, maxEvents: number): BatchItem[] {
  let body: unknown;
  try {
    body = parserFor(text)(text);
  } catch (err) {
    throw new AppError('BAD_REQUEST', 'the body is not valid JSON', { cause: err });
  }
  if (!Array.isArray(body)) throw new AppError('BAD_REQUEST', 'the body must be a JSON array of events');
  checkSize(body.length, maxEvents);
  return body;
}

/** Blank lines are skipped and not counted: an event's index is its position among the non-blank lines. */
export function parseNdjsonBatch(text: string, maxEvents: number): BatchItem[] {
  const parse = parserFor(text);
  const items: BatchItem[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    checkSize(items.length + 1, maxEvents);
    try {
      items.push(parse(line));
    } catch {
      items.push(new Unparseable('not valid JSON'));
    }
  }
  return items;
}

function checkSize(count: number, maxEvents: number): void {
  if (count > maxEvents) throw new AppError('TOO_LARGE', `a batch holds at most ${maxEvents} events`);
}
