import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { parseJsonBatch, parseNdjsonBatch, Unparseable } from './batch.parser.js';

describe('parseJsonBatch', () => {
  it('returns each element of the array as an item', () => {
    expect(parseJsonBatch('[{"a":1},2]', 10)).toEqual([{ a: 1 }, 2]);
  });

  it('refuses a body that is not an array', () => {
    expect(() => parseJsonBatch('{"a":1}', 10)).toThrow('the body must be a JSON array of events');
  });

  it('refuses broken JSON as a bad request', () => {
    const err = (() => {
      try {
        parseJsonBatch('[{"a":', 10);
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect([err?.code, err?.status]).toEqual(['BAD_REQUEST', 400]);
  });

  it('refuses a __proto__ key instead of letting it reach the event, however it is spelled', () => {
    expect(() => parseJsonBatch('[{"__proto__":{"x":1}}]', 10)).toThrow('not valid JSON');
    expect(() => parseJsonBatch('[{"\\u005f_proto__":{"x":1}}]', 10)).toThrow('not valid JSON');
    expect(parseNdjsonBatch('{"a":1}\n{"_\\u005fproto__":{}}', 10)).toStrictEqual([
      { a: 1 },
      new Unparseable('not valid JSON'),
    ]);
  });

  it('keeps \\u escapes that spell anything else', () => {
    expect(parseJsonBatch('[{"ua":"caf\\u00e9"}]', 10)).toEqual([{ ua: 'café' }]);
  });

  it('refuses more events than the limit with TOO_LARGE', () => {
    expect(() => parseJsonBatch('[1,2,3]', 2)).toThrow(expect.objectContaining({ code: 'TOO_LARGE', status: 413 }));
  });
});

describe('parseNdjsonBatch', () => {
  it('keeps a garbled line as a rejected item and skips blank lines without counting them', () => {
    expect(parseNdjsonBatch('{"a":1}\r\n\n{"a":\n  \n{"b":2}', 10)).toStrictEqual([
      { a: 1 },
      new Unparseable('not valid JSON'),
      { b: 2 },
    ]);
  });

  it('accepts a trailing newline', () => {
    expect(parseNdjsonBatch('1\n2\n', 10)).toEqual([1, 2]);
  });

  it('refuses more lines than the limit', () => {
    expect(() => parseNdjsonBatch('1\n2\n3\n', 2)).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
  });
});
