// Recognising MySQL/MariaDB server errors by their numbers (identical on both servers).
const errno = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null && 'errno' in err && typeof err.errno === 'number' ? err.errno : undefined;

/** ER_DUP_ENTRY: a unique key already holds the value. */
export const isDuplicateKey = (err: unknown): boolean => errno(err) === 1062;

/** ER_NO_REFERENCED_ROW_2: the row a foreign key points at does not exist. */
export const isMissingParent = (err: unknown): boolean => errno(err) === 1452;
