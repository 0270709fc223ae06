import { describe, expect, it } from 'vitest';
import { eventHeaders, readHeaders } from './message.headers.js';

describe('eventHeaders', () => {
  it('names the content type and the contract version', () => {
    expect(eventHeaders({ version: 1 })).toEqual({ 'content-type': 'application/json', 'x-schema-version': '1' });
  });
});

describe('readHeaders', () => {
  it('turns Buffers into strings and keeps the last of a repeated key', () => {
    expect(
      readHeaders({
        'content-type': Buffer.from('application/json'),
        'x-trace': [Buffer.from('first'), Buffer.from('second')],
        plain: 'already a string',
        missing: undefined,
      }),
    ).toEqual({ 'content-type': 'application/json', 'x-trace': 'second', plain: 'already a string' });
  });

  it('treats absent headers as none', () => {
    expect(readHeaders(undefined)).toEqual({});
  });
});
