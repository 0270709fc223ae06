// Recognising MySQL/MariaDB server errors by their numbers (identical on both servers).
const errno = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null && 'errno' in err && typeof err.errno === 'number' ? err.errno : undefined;

const code = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

/** ER_DUP_ENTRY: a unique key already holds the value. */
export const isDuplicateKey = (err: unknown): boolean => errno(err) === 1062;

/** ER_NO_REFERENCED_ROW_2: the row a foreign key points at does not exist. */
export const isMissingParent = (err: unknown): boolean => errno(err) === 1452;

/**
 * Server answers that say "not now" rather than "not this": deadlock victim (1213), lock wait timeout (1205),
 * server gone away (2006), connection lost mid-query (2013), too many connections (1040), server shutting down
 * (1053).
 */
const transientErrnos = new Set([1213, 1205, 2006, 2013, 1040, 1053]);

/** mysql2's codes for a connection that broke or never formed: no server answered the statement at all. */
const transientCodes = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE']);

/** The same statement may well succeed later: the server or the connection was in trouble, not the data. */
export const isTransientMysqlError = (err: unknown): boolean => {
  const n = errno(err);
  if (n !== undefined && transientErrnos.has(n)) return true;
  const c = code(err);
  return c !== undefined && transientCodes.has(c);
};
