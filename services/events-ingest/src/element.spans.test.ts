import { describe, expect, it } from 'vitest';
import { arrayObjectSpans, lineObjectSpan } from './element.spans.js';

const spansOf = (text: string) => {
  const bytes = Buffer.from(text);
  const spans = arrayObjectSpans(bytes, (JSON.parse(text) as unknown[]).length);
  return Array.from({ length: spans.length / 2 }, (_, i) => bytes.toString('utf8', spans[2 * i], spans[2 * i + 1]));
};

describe('arrayObjectSpans', () => {
  it('finds each object element, nested objects and arrays inside it included', () => {
    expect(spansOf('[{"a":{"b":[1,{"c":2}]}},{"d":[]}]')).toEqual(['{"a":{"b":[1,{"c":2}]}}', '{"d":[]}']);
  });

  it('is not misled by brackets, commas and escaped quotes inside strings', () => {
    expect(spansOf('[{"k":"],{\\"}"},{"k\\\\":"\\\\"}]')).toEqual(['{"k":"],{\\"}"}', '{"k\\\\":"\\\\"}']);
  });

  it('leaves elements that are not objects empty and skips whitespace', () => {
    expect(spansOf('[ 1 , "{}" ,\n [ {} ] , null , { } ]')).toEqual(['', '', '', '', '{ }']);
  });

  it('counts multi-byte characters in bytes', () => {
    const text = '[{"t":"€ 😀"},{"u":1}]';
    const spans = arrayObjectSpans(Buffer.from(text), 2);
    expect(Array.from(spans)).toEqual([1, 17, 18, 25]);
  });

  it('handles an empty array', () => {
    expect(spansOf('[]')).toEqual([]);
  });

  it('throws when its count disagrees with the parser', () => {
    expect(() => arrayObjectSpans(Buffer.from('[{},{}]'), 3)).toThrow(
      'found 2 array elements where JSON.parse found 3',
    );
  });
});

describe('lineObjectSpan', () => {
  it('spans from the first { to the last }', () => {
    const bytes = Buffer.from('x\n \t{"a":"}"} \r\ny');
    expect(lineObjectSpan(bytes, 2, 15)).toEqual([4, 13]);
  });
});
