import { describe, expect, it } from 'vitest';
import { buildDlqRecord } from './dlq.record.js';

describe('buildDlqRecord', () => {
  it('keeps the original bytes and headers and says where the record came from and why', () => {
    const value = Buffer.from([0xff, 0xfe, 0x7b]);
    const key = Buffer.from('video-1');
    const record = buildDlqRecord(
      { topic: 'p.video.uploaded', partition: 2, offset: '41', key, value, headers: { 'x-trace': 'abc' } },
      'invalid JSON: Unexpected token',
    );
    expect(record).toEqual({
      topic: 'p.video.uploaded.dlq',
      key,
      value,
      headers: {
        'x-trace': 'abc',
        'x-dlq-reason': 'invalid JSON: Unexpected token',
        'x-original-topic': 'p.video.uploaded',
        'x-original-partition': '2',
        'x-original-offset': '41',
      },
    });
    expect(record.value).toBe(value);
  });

  it('keeps a null key and value as they were', () => {
    const record = buildDlqRecord({ topic: 't', partition: 0, offset: '0', key: null, value: null }, 'empty value');
    expect([record.key, record.value, record.topic]).toEqual([null, null, 't.dlq']);
  });

  it('cuts a long reason to 1000 characters', () => {
    const record = buildDlqRecord({ topic: 't', partition: 0, offset: '0', key: null, value: null }, 'x'.repeat(5000));
    const reason = record.headers['x-dlq-reason'] as string;
    expect(reason.length).toBe(1000);
    expect(reason.endsWith('…')).toBe(true);
  });

  it('lets its own headers win over original headers of the same name', () => {
    const record = buildDlqRecord(
      { topic: 't', partition: 1, offset: '9', key: null, value: null, headers: { 'x-dlq-reason': 'forged' } },
      'real',
    );
    expect(record.headers['x-dlq-reason']).toBe('real');
  });
});
