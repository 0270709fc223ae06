import { describe, expect, it } from 'vitest';
import { isDuplicateKey, isTransientMysqlError } from './mysql.errors.js';

const serverError = (errno: number, code: string) => Object.assign(new Error(code), { errno, code });

describe('isTransientMysqlError', () => {
  it('is true for deadlocks, lock wait timeouts and lost or refused connections', () => {
    const transient = [
      serverError(1213, 'ER_LOCK_DEADLOCK'),
      serverError(1205, 'ER_LOCK_WAIT_TIMEOUT'),
      serverError(2006, 'CR_SERVER_GONE_ERROR'),
      serverError(2013, 'CR_SERVER_LOST'),
      Object.assign(new Error('Connection lost: The server closed the connection.'), {
        code: 'PROTOCOL_CONNECTION_LOST',
      }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { errno: -111, code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { errno: -104, code: 'ECONNRESET' }),
    ];
    expect(transient.map(isTransientMysqlError)).toEqual(transient.map(() => true));
  });

  it('is false for errors that would happen again, and for things that are not errors', () => {
    const lasting = [
      serverError(1062, 'ER_DUP_ENTRY'),
      serverError(1452, 'ER_NO_REFERENCED_ROW_2'),
      serverError(1064, 'ER_PARSE_ERROR'),
      new Error('deadlock'),
      { errno: '1213' },
      null,
      'ECONNRESET',
    ];
    expect(lasting.map(isTransientMysqlError)).toEqual(lasting.map(() => false));
    expect(isDuplicateKey(serverError(1062, 'ER_DUP_ENTRY'))).toBe(true);
  });
});
