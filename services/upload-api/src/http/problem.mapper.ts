// Turns anything a request can throw into one RFC 9457 problem with a stable `code`. Pure, so the mapping of
// every fastify, plugin and validation error is unit-tested; 5xx details never leave the process.
import { AppError, type ErrorCode, type Problem } from '@reelforge/contracts';

const TITLES: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'Bad request',
  UNAUTHORIZED: 'Authentication required',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  CONFLICT: 'Conflict',
  RATE_LIMITED: 'Too many requests',
  QUOTA_EXCEEDED: 'Quota exceeded',
  REQUEST_TIMEOUT: 'Request timeout',
  SERVER_BUSY: 'Server busy',
  TOO_LARGE: 'Payload too large',
  UNSUPPORTED_INPUT: 'Unsupported media type',
  EMPTY_INPUT: 'Empty file',
  UPLOAD_EXPIRED: 'Upload expired',
  STORAGE_ERROR: 'Storage unavailable',
  INTERNAL: 'Internal error',
};

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: { instancePath?: string; message?: string }[];
  validationContext?: string;
}

/** Codes of fastify and its plugins whose own status is not the whole story. */
const KNOWN: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'TOO_LARGE',
  FST_PARTS_LIMIT: 'TOO_LARGE',
  FST_FILES_LIMIT: 'BAD_REQUEST',
  FST_FIELDS_LIMIT: 'BAD_REQUEST',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'BAD_REQUEST',
  FST_MP_PREMATURE_CLOSE: 'BAD_REQUEST',
  FST_PROTO_VIOLATION: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_INPUT',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'BAD_REQUEST',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'TOO_LARGE',
  415: 'UNSUPPORTED_INPUT',
  429: 'RATE_LIMITED',
};

/** busboy reports a broken multipart body as a plain Error with one of these messages. */
const MALFORMED_MULTIPART = /multipart|part terminated early|malformed part header|unexpected end of form/i;

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as FastifyLikeError;
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    return new AppError('BAD_REQUEST', `invalid ${e.validationContext ?? 'request'}`, { cause: err });
  }
  const known = e.code ? KNOWN[e.code] : undefined;
  if (known) return new AppError(known, e.message ?? known, { cause: err });
  if (err instanceof SyntaxError) return new AppError('BAD_REQUEST', 'the body is not valid JSON', { cause: err });
  const status = e.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code = BY_STATUS[status] ?? 'BAD_REQUEST';
    return new AppError(code, e.message ?? code, { cause: err, status });
  }
  if (err instanceof Error && !e.code && MALFORMED_MULTIPART.test(err.message)) {
    return new AppError('BAD_REQUEST', `malformed multipart body: ${err.message}`, { cause: err });
  }
  return new AppError('INTERNAL', 'internal error', { cause: err });
}

export function toProblem(err: unknown, instance: string): Problem {
  const app = toAppError(err);
  const hidden = app.status >= 500;
  const problem: Problem = {
    type: `urn:reelforge:problem:${app.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[app.code] ?? app.code,
    status: app.status,
    // A 5xx message may carry a host name, a query or a stack: it goes to the log, never to the client.
    detail: hidden ? 'The server could not complete the request; try again later.' : app.message,
    instance,
    code: app.code,
  };
  const validation = (err as FastifyLikeError | null)?.validation;
  if (Array.isArray(validation) && validation.length > 0) {
    problem.errors = validation.map((v) => ({
      path: `${(err as FastifyLikeError).validationContext ?? ''}${v.instancePath ?? ''}`,
      message: v.message ?? 'invalid',
    }));
  }
  return problem;
}
