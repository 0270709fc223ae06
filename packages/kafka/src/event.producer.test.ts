import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { buildEventRecord } from './event.producer.js';

const videoId = '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11';

describe('buildEventRecord', () => {
  it('keys by the catalog, sends the parsed JSON and names content type and version', () => {
    const record = buildEventRecord('video.transcode-failed', {
      version: 1,
      videoId,
      attempt: 2,
      code: 'CORRUPT_INPUT',
      message: 'moov atom not found',
      retryable: false,
    });
    expect(record).toEqual({
      key: videoId,
      value: `{"version":1,"videoId":"${videoId}","attempt":2,"code":"CORRUPT_INPUT","message":"moov atom not found","retryable":false}`,
      headers: { 'content-type': 'application/json', 'x-schema-version': '1' },
    });
  });

  it('drops fields the contract does not know', () => {
    const message = { version: 1 as const, videoId, attempt: 1, percent: 50, secret: 'x' };
    expect(JSON.parse(buildEventRecord('video.transcode-progress', message).value as string)).toEqual({
      version: 1,
      videoId,
      attempt: 1,
      percent: 50,
    });
  });

  it('throws on a message its contract refuses, naming the field', () => {
    const bad = { version: 1 as const, videoId, attempt: 0, percent: 50 };
    expect(() => buildEventRecord('video.transcode-progress', bad)).toThrow(AppError);
    expect(() => buildEventRecord('video.transcode-progress', bad)).toThrow(/video\.transcode-progress.*attempt/);
  });
});
