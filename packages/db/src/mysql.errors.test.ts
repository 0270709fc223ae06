import { describe, expect, it } from 'vitest';
import { isDuplicateKey, isTransientMysqlError } from './mysql.errors.js';

// Shaped as mysql2 raises them: server errors carry errno and code, broken connections only a code.
const serverError = (errno: number, code: string) => Object.assign(new Error(code), { errno, code, sqlState: 'HY000' });
const connectionError = (code: string) => Object.assign(new Error(code), { code, fatal: true });

describe('isTransientMysqlError', () => {
  it.each([
    [1213, 'ER_LOCK_DEADLOCK'],
    [1205, 'ER_LOCK_WAIT_TIMEOUT'],
    [2006, 'CR_SERVER_GONE_ERROR'],
    [2013, 'CR_SERVER_LOST'],
    [1040, 'ER_CON_COUNT_ERROR'],
    [1053, 'ER_SERVER_SHUTDOWN'],
  ])('retries server error %i (%s)', (errno, code) => {
    expect(isTransientMysqlError(serverError(errno, code))).toBe(true);
  });

  it.each(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'])(
    'retries a connection that broke (%s)',
    (code) => {
      expect(isTransientMysqlError(connectionError(code))).toBe(true);
    },
  );

  it.each([
    [1062, 'ER_DUP_ENTRY'],
    [1452, 'ER_NO_REFERENCED_ROW_2'],
    [1406, 'ER_DATA_TOO_LONG'],
    [1064, 'ER_PARSE_ERROR'],
    [1146, 'ER_NO_SUCH_TABLE'],
  ])('does not retry server error %i (%s): the statement itself is wrong', (errno, code) => {
    expect(isTransientMysqlError(serverError(errno, code))).toBe(false);
  });

  it('does not retry what is not a MySQL error', () => {
    expect(isTransientMysqlError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientMysqlError({ errno: '1213' })).toBe(false);
    expect(isTransientMysqlError(null)).toBe(false);
    expect(isTransientMysqlError('ECONNRESET')).toBe(false);
  });

  it('leaves the duplicate-key check as it was', () => {
    expect(isDuplicateKey(serverError(1062, 'ER_DUP_ENTRY'))).toBe(true);
    expect(isDuplicateKey(serverError(1213, 'ER_LOCK_DEADLOCK'))).toBe(false);
  });
});
