import { topics } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from './message.decoder.js';

const schema = topics['video.transcode-progress'].schema;
const videoId = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';

describe('decodeMessage', () => {
  it('returns the parsed message', () => {
    const value = Buffer.from(JSON.stringify({ version: 1, videoId, attempt: 1, percent: 12.5, extra: true }));
    expect(decodeMessage(schema, value)).toEqual({
      ok: true,
      message: { version: 1, videoId, attempt: 1, percent: 12.5 },
    });
  });

  it('refuses an empty or missing value', () => {
    expect(decodeMessage(schema, null)).toEqual({ ok: false, reason: 'empty value' });
    expect(decodeMessage(schema, Buffer.alloc(0))).toEqual({ ok: false, reason: 'empty value' });
  });

  it('says when the bytes are not JSON', () => {
    const r = decodeMessage(schema, Buffer.from('{"version":'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason.startsWith('invalid JSON: ')).toBe(true);
  });

  it('names each field the contract refuses', () => {
    const value = Buffer.from(JSON.stringify({ version: 1, videoId: 'nope', attempt: 1, percent: 140 }));
    const r = decodeMessage(schema, value);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^schema: videoId: .+; percent: .+$/);
  });

  it('refuses a JSON value that is not an object, naming the root', () => {
    expect(decodeMessage(schema, Buffer.from('42'))).toEqual({
      ok: false,
      reason: 'schema: (root): Invalid input: expected object, received number',
    });
  });
});
