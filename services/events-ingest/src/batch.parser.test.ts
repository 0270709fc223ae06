import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { type Batch, parseJsonBatch, parseNdjsonBatch, Unparseable } from './batch.parser.js';

const json = (text: string, max = 10) => parseJsonBatch(Buffer.from(text), max);
const ndjson = (text: string, max = 10) => parseNdjsonBatch(Buffer.from(text), max);
/** The text each item's span covers, '' for items without one. */
const spanned = ({ items, source, spans }: Batch) =>
  items.map((_, i) => source.toString('utf8', spans[2 * i], spans[2 * i + 1]));

describe('parseJsonBatch', () => {
  it('returns each element of the array as an item, and where each object element sits', () => {
    const batch = json(' [ {"a":1} ,2,\n{"b":"é}{,"}\t]');
    expect(batch.items).toEqual([{ a: 1 }, 2, { b: 'é}{,' }]);
    expect(spanned(batch)).toEqual(['{"a":1}', '', '{"b":"é}{,"}']);
  });

  it('refuses a body that is not an array', () => {
    expect(() => json('{"a":1}')).toThrow('the body must be a JSON array of events');
  });

  it('refuses broken JSON as a bad request', () => {
    const err = (() => {
      try {
        json('[{"a":');
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect([err?.code, err?.status]).toEqual(['BAD_REQUEST', 400]);
  });

  it('refuses a __proto__ key instead of letting it reach the event, however it is spelled', () => {
    expect(() => json('[{"__proto__":{"x":1}}]')).toThrow('not valid JSON');
    expect(() => json('[{"\\u005f_proto__":{"x":1}}]')).toThrow('not valid JSON');
    expect(ndjson('{"a":1}\n{"_\\u005fproto__":{}}').items).toStrictEqual([
      { a: 1 },
      new Unparseable('not valid JSON'),
    ]);
  });

  it('keeps \\u escapes that spell anything else', () => {
    const batch = json('[{"ua":"caf\\u00e9"}]');
    expect(batch.items).toEqual([{ ua: 'café' }]);
    expect(spanned(batch)).toEqual(['{"ua":"caf\\u00e9"}']);
  });

  it('passes on malformed UTF-8 as the U+FFFD it was read as', () => {
    const batch = parseJsonBatch(Buffer.from([...Buffer.from('[{"ua":"a'), 0xff, ...Buffer.from('"}]')]), 10);
    expect(batch.items).toEqual([{ ua: 'a\ufffd' }]);
    expect(spanned(batch)).toEqual(['{"ua":"a\ufffd"}']);
  });

  it('refuses more events than the limit with TOO_LARGE', () => {
    expect(() => json('[1,2,3]', 2)).toThrow(expect.objectContaining({ code: 'TOO_LARGE', status: 413 }));
  });
});

describe('parseNdjsonBatch', () => {
  it('keeps a garbled line as a rejected item and skips blank lines without counting them', () => {
    const batch = ndjson('{"a":1}\r\n\n{"a":\n  \n {"b":"x\\"}"} \n[1]');
    expect(batch.items).toStrictEqual([{ a: 1 }, new Unparseable('not valid JSON'), { b: 'x"}' }, [1]]);
    expect(spanned(batch)).toEqual(['{"a":1}', '', '{"b":"x\\"}"}', '']);
  });

  it('accepts a trailing newline', () => {
    expect(ndjson('1\n2\n').items).toEqual([1, 2]);
  });

  it('refuses more lines than the limit', () => {
    expect(() => ndjson('1\n2\n3\n', 2)).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
  });
});
