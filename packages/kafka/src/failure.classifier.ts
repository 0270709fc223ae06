// Tells a handler failure that another try may cure (the infrastructure was in trouble) from one that will recur
// for the same message (a bug, data the code cannot take, a refusal). The consumer retries the first kind for as
// long as it lasts and parks a message in its DLQ after repeated failures of the second kind.
import { AppError } from '@reelforge/contracts';
import kafkajs from 'kafkajs';

/** Recognises one kind of transient error, looking at that error alone (not its causes). */
export type TransientCheck = (err: unknown) => boolean;

/**
 * Socket and DNS failures: no peer answered, so nothing about the message was judged. ENOTFOUND is here too: a
 * name that does not resolve fails every message alike, which a retry loop survives and parking would not.
 */
const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** AWS SDK v3 error names that mean "slow down" or "try again" (those of @smithy/service-error-classification). */
const awsTransientNames = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
  'TimeoutError',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const isNetworkError: TransientCheck = (err) => {
  const { code } = err as ErrorShape;
  return typeof code === 'string' && networkCodes.has(code);
};

const isRetriableKafkaError: TransientCheck = (err) => err instanceof kafkajs.KafkaJSError && err.retriable;

const isTransientAwsError: TransientCheck = (err) => {
  const e = err as ErrorShape;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  if (typeof e.name === 'string' && awsTransientNames.has(e.name)) return true;
  if (e.$metadata === undefined) return false;
  const status = e.$metadata.httpStatusCode;
  return e.$fault === 'server' || status === 429 || (typeof status === 'number' && status >= 500);
};

const generic: TransientCheck[] = [isNetworkError, isRetriableKafkaError, isTransientAwsError];

/** How deep into `cause` / AggregateError chains to look: wrappers rarely nest more than a few levels. */
const MAX_LINKS = 16;

/**
 * Whether `err` is transient: it, or an error it wraps (`cause`, an AggregateError's `errors`), is recognised by
 * the generic checks (network errno codes, retriable kafkajs errors, AWS SDK throttling/5xx/`$retryable`/timeouts)
 * or by one of `also` (e.g. `isTransientMysqlError` from @reelforge/db, which this package must not depend on).
 * An AppError that is not retryable is final: whatever it wraps, the code that raised it judged the input.
 * Anything unrecognised — a TypeError, a retryable AppError wrapping nothing transient — is not transient.
 */
export function isTransientFailure(err: unknown, ...also: TransientCheck[]): boolean {
  const checks = [...generic, ...also];
  const seen = new Set<object>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < MAX_LINKS) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    if (e instanceof AppError && !e.retryable) return false;
    if (checks.some((check) => check(e))) return true;
    if ('cause' in e) queue.push(e.cause);
    if (e instanceof AggregateError) queue.push(...e.errors);
  }
  return false;
}
