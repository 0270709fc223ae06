import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { toProblem } from './problem.mapper.js';

const fastifyError = (code: string, statusCode: number, message = 'x') =>
  Object.assign(new Error(message), { code, statusCode });

describe('toProblem', () => {
  it('turns an AppError into problem details with its code and message', () => {
    expect(toProblem(new AppError('NOT_FOUND', 'no such video'), '/v1/videos/1')).toEqual({
      type: 'urn:reelforge:problem:not-found',
      title: 'Not found',
      status: 404,
      detail: 'no such video',
      instance: '/v1/videos/1',
      code: 'NOT_FOUND',
    });
  });

  it('hides the text of anything unexpected behind a 500', () => {
    const p = toProblem(new Error('connect ECONNREFUSED 10.1.2.3:3306'), '/v1/videos');
    expect(p).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(JSON.stringify(p)).not.toContain('10.1.2.3');
  });

  it('hides the message of a retryable AppError with a 5xx status too', () => {
    const p = toProblem(new AppError('STORAGE_ERROR', 'bucket raw-prod-7 said 503'), '/v1/videos');
    expect([p.status, p.code]).toEqual([503, 'STORAGE_ERROR']);
    expect(p.detail).not.toContain('raw-prod-7');
  });

  it('lists the fields that failed validation', () => {
    const err = Object.assign(new Error('invalid'), {
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      validationContext: 'body',
      validation: [{ instancePath: '/email', message: 'Invalid email address' }],
    });
    expect(toProblem(err, '/v1/auth/login')).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
      detail: 'invalid body',
      errors: [{ path: 'body/email', message: 'Invalid email address' }],
    });
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 413, 'TOO_LARGE'],
    ['FST_REQ_FILE_TOO_LARGE', 413, 413, 'TOO_LARGE'],
    ['FST_INVALID_MULTIPART_CONTENT_TYPE', 406, 400, 'BAD_REQUEST'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 415, 'UNSUPPORTED_INPUT'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 400, 'BAD_REQUEST'],
    ['FST_JWT_NO_AUTHORIZATION_IN_HEADER', 401, 401, 'UNAUTHORIZED'],
    ['FST_SOMETHING_NEW', 418, 418, 'BAD_REQUEST'],
  ])('maps fastify error %s (%i) to %i %s', (code, status, expectedStatus, expectedCode) => {
    const p = toProblem(fastifyError(code, status), '/x');
    expect([p.status, p.code]).toEqual([expectedStatus, expectedCode]);
  });

  it('maps a JSON syntax error and a broken multipart body to BAD_REQUEST', () => {
    expect(toProblem(new SyntaxError('Unexpected token'), '/x').code).toBe('BAD_REQUEST');
    expect(toProblem(new Error('Unexpected end of form'), '/x').code).toBe('BAD_REQUEST');
  });
});
