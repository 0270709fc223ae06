import { AppError } from '@reelforge/contracts';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isTransientFailure } from './failure.classifier.js';

const withCode = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:3306`), { code });
/** Shaped as AWS SDK v3 service exceptions are: a name, a fault side and the HTTP metadata. */
const awsError = (name: string, httpStatusCode: number | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, $fault: 'client', $metadata: { httpStatusCode }, ...extra });
const mysqlDeadlock = () => Object.assign(new Error('Deadlock found'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' });
const isDeadlock = (err: unknown) => (err as { errno?: unknown }).errno === 1213;

describe('isTransientFailure', () => {
  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH'])(
    'retries a network failure (%s)',
    (code) => {
      expect(isTransientFailure(withCode(code))).toBe(true);
    },
  );

  it('retries kafkajs errors marked retriable, not the others', () => {
    expect(isTransientFailure(new kafkajs.KafkaJSConnectionError('Connection timeout'))).toBe(true);
    expect(isTransientFailure(new kafkajs.KafkaJSError('leader not available', { retriable: true }))).toBe(true);
    expect(isTransientFailure(new kafkajs.KafkaJSNonRetriableError('topic authorization failed'))).toBe(false);
    expect(isTransientFailure(new kafkajs.KafkaJSError('record too large', { retriable: false }))).toBe(false);
  });

  it.each([
    ['throttling by name', awsError('ThrottlingException', 400)],
    ['S3 SlowDown', awsError('SlowDown', 503)],
    ['a 5xx', awsError('InternalError', 500)],
    ['a server fault', awsError('ServiceUnavailable', undefined, { $fault: 'server' })],
    ['a 429', awsError('TooManyRequests', 429)],
    ['$retryable', awsError('SomethingNew', 400, { $retryable: { throttling: false } })],
    ['a socket timeout', awsError('TimeoutError', undefined)],
    ['RequestTimeout', awsError('RequestTimeout', 400)],
  ])('retries an AWS SDK error: %s', (_, err) => {
    expect(isTransientFailure(err)).toBe(true);
  });

  it.each([
    ['NoSuchBucket', awsError('NoSuchBucket', 404)],
    ['AccessDenied', awsError('AccessDenied', 403)],
    ['ValidationException', awsError('ValidationException', 400)],
  ])('does not retry an AWS SDK refusal: %s', (_, err) => {
    expect(isTransientFailure(err)).toBe(false);
  });

  it('does not retry bugs or unknown errors', () => {
    expect(isTransientFailure(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isTransientFailure(new RangeError('Invalid array length'))).toBe(false);
    expect(isTransientFailure(new Error('boom'))).toBe(false);
    expect(isTransientFailure(withCode('ENOENT'))).toBe(false);
    expect(isTransientFailure('a string')).toBe(false);
    expect(isTransientFailure(undefined)).toBe(false);
    expect(isTransientFailure(null)).toBe(false);
  });

  it('uses the extra checks it is given: MySQL errors are transient only with the MySQL check', () => {
    expect(isTransientFailure(mysqlDeadlock())).toBe(false);
    expect(isTransientFailure(mysqlDeadlock(), isDeadlock)).toBe(true);
    expect(isTransientFailure(new TypeError('x'), isDeadlock)).toBe(false);
  });

  it('looks through causes and aggregate errors', () => {
    const wrapped = new Error('query failed', { cause: new Error('pool', { cause: withCode('ECONNRESET') }) });
    expect(isTransientFailure(wrapped)).toBe(true);
    expect(isTransientFailure(new AggregateError([new Error('a'), withCode('ECONNREFUSED')], 'all failed'))).toBe(true);
    expect(isTransientFailure(new Error('wrapper', { cause: new TypeError('bug') }))).toBe(false);
  });

  it('takes a non-retryable AppError as final, whatever it wraps', () => {
    expect(isTransientFailure(new AppError('CONFLICT', 'video cannot move from ready to queued'))).toBe(false);
    expect(isTransientFailure(new AppError('NOT_FOUND', 'job not found', { cause: withCode('ECONNRESET') }))).toBe(
      false,
    );
  });

  it('takes a retryable AppError as transient only when it wraps a transient error', () => {
    expect(isTransientFailure(new AppError('STORAGE_ERROR', 'storage', { cause: awsError('SlowDown', 503) }))).toBe(
      true,
    );
    expect(isTransientFailure(new AppError('INTERNAL', 'internal error', { cause: new TypeError('bug') }))).toBe(false);
    expect(isTransientFailure(new AppError('LAUNCH_FAILED', 'no cause given'))).toBe(false);
  });

  it('stops on a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(isTransientFailure(a)).toBe(false);
  });
});
