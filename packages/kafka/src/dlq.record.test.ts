import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { buildDlqRecord, type DlqReason, describeError } from './dlq.record.js';

const undecodable = (detail: string): DlqReason => ({ kind: 'undecodable', detail });

describe('buildDlqRecord', () => {
  it('keeps the original bytes and headers and says where the record came from and why', () => {
    const value = Buffer.from([0xff, 0xfe, 0x7b]);
    const key = Buffer.from('video-1');
    const record = buildDlqRecord(
      { topic: 'p.video.uploaded', partition: 2, offset: '41', key, value, headers: { 'x-trace': 'abc' } },
      { kind: 'undecodable', detail: 'invalid JSON: Unexpected token' },
    );
    expect(record).toEqual({
      topic: 'p.video.uploaded.dlq',
      key,
      value,
      headers: {
        'x-trace': 'abc',
        'x-dlq-reason': 'invalid JSON: Unexpected token',
        'x-dlq-reason-kind': 'undecodable',
        'x-original-topic': 'p.video.uploaded',
        'x-original-partition': '2',
        'x-original-offset': '41',
      },
    });
    expect(record.value).toBe(value);
  });

  it('keeps a null key and value as they were', () => {
    const record = buildDlqRecord(
      { topic: 't', partition: 0, offset: '0', key: null, value: null },
      undecodable('empty value'),
    );
    expect([record.key, record.value, record.topic]).toEqual([null, null, 't.dlq']);
  });

  it('cuts a long reason to 1000 characters', () => {
    const record = buildDlqRecord(
      { topic: 't', partition: 0, offset: '0', key: null, value: null },
      undecodable('x'.repeat(5000)),
    );
    const reason = record.headers['x-dlq-reason'] as string;
    expect(reason.length).toBe(1000);
    expect(reason.endsWith('…')).toBe(true);
  });

  it('lets its own headers win over original headers of the same name', () => {
    const record = buildDlqRecord(
      { topic: 't', partition: 1, offset: '9', key: null, value: null, headers: { 'x-dlq-reason': 'forged' } },
      undecodable('real'),
    );
    expect(record.headers['x-dlq-reason']).toBe('real');
  });

  it('says why a handler gave up on a record: the last error, its class and code, and how often it failed', () => {
    const error = new AppError('CONFLICT', 'video cannot move from ready to queued');
    const record = buildDlqRecord(
      { topic: 'p.video.uploaded', partition: 0, offset: '7', key: null, value: Buffer.from('{}') },
      { kind: 'handler-failed', error, attempts: 5 },
    );
    expect(record.headers).toEqual({
      'x-dlq-reason': 'handler failed 5 times: AppError CONFLICT: video cannot move from ready to queued',
      'x-dlq-reason-kind': 'handler-failed',
      'x-dlq-error-class': 'AppError',
      'x-dlq-error-code': 'CONFLICT',
      'x-dlq-error-message': 'video cannot move from ready to queued',
      'x-dlq-attempts': '5',
      'x-original-topic': 'p.video.uploaded',
      'x-original-partition': '0',
      'x-original-offset': '7',
    });
  });

  it('names a plain error by its class and leaves out a code it does not have', () => {
    const record = buildDlqRecord(
      { topic: 't', partition: 0, offset: '0', key: null, value: null },
      {
        kind: 'handler-failed',
        error: new TypeError("Cannot read properties of undefined (reading 'id')"),
        attempts: 3,
      },
    );
    expect(record.headers['x-dlq-reason']).toBe(
      "handler failed 3 times: TypeError: Cannot read properties of undefined (reading 'id')",
    );
    expect(record.headers['x-dlq-error-class']).toBe('TypeError');
    expect(record.headers).not.toHaveProperty('x-dlq-error-code');
  });
});

describe('describeError', () => {
  it('reads a driver error code, a subclass name and a thrown non-error', () => {
    class VideoGone extends Error {}
    const mysql = Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', errno: 1062 });
    expect(describeError(mysql)).toEqual({ errorClass: 'Error', code: 'ER_DUP_ENTRY', message: 'Duplicate entry' });
    expect(describeError(new VideoGone('gone'))).toEqual({ errorClass: 'VideoGone', message: 'gone' });
    expect(describeError('just a string')).toEqual({ errorClass: 'string', message: 'just a string' });
  });
});
