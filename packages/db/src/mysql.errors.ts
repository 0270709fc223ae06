// Recognising MySQL/MariaDB server errors by their numbers (identical on both servers), and mysql2's client-side
// connection failures by their codes.
const errno = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null && 'errno' in err && typeof err.errno === 'number' ? err.errno : undefined;

const code = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

/** ER_DUP_ENTRY: a unique key already holds the value. */
export const isDuplicateKey = (err: unknown): boolean => errno(err) === 1062;

/** ER_NO_REFERENCED_ROW_2: the row a foreign key points at does not exist. */
export const isMissingParent = (err: unknown): boolean => errno(err) === 1452;

const TRANSIENT_ERRNOS = new Set([
  1205, // ER_LOCK_WAIT_TIMEOUT: the statement gave up waiting for a row lock
  1213, // ER_LOCK_DEADLOCK
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST: the connection dropped during a query
  1040, // ER_CON_COUNT_ERROR: too many connections, for now
  1053, // ER_SERVER_SHUTDOWN: a failover or restart under way
]);

const TRANSIENT_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST', // mysql2: the server closed the connection
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
]);

/**
 * An error that says nothing about the work itself: the same statements may well succeed when run again in a new
 * transaction (a deadlock victim, a lock wait that timed out, a connection that dropped or was refused during a
 * failover). Anything else — a constraint, a syntax error, a refusal of ours — would fail again.
 */
export function isTransientMysqlError(err: unknown): boolean {
  const n = errno(err);
  if (n !== undefined && TRANSIENT_ERRNOS.has(n)) return true;
  const c = code(err);
  return c !== undefined && TRANSIENT_CODES.has(c);
}
