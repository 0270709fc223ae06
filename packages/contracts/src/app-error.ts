// One error family for the whole system. Whether a failure is worth retrying is decided where the code is
// defined, not guessed at each call site.
export const errorCodes = {
  // Refusals of the input itself: retrying cannot help.
  UNSUPPORTED_INPUT: { status: 415, retryable: false },
  NO_VIDEO_STREAM: { status: 422, retryable: false },
  CORRUPT_INPUT: { status: 422, retryable: false },
  EMPTY_INPUT: { status: 422, retryable: false },
  TOO_LARGE: { status: 413, retryable: false },
  TOO_LONG: { status: 422, retryable: false },
  TOO_MANY_PIXELS: { status: 422, retryable: false },
  /** More video and audio streams than any real upload carries. */
  TOO_MANY_STREAMS: { status: 422, retryable: false },
  /** A video or audio codec outside the decoder whitelist. */
  UNSUPPORTED_CODEC: { status: 415, retryable: false },
  /** No rendition can fit the output limits (longest side, H.264 level 5.1) and stay a usable picture. */
  UNSUPPORTED_DIMENSIONS: { status: 422, retryable: false },
  /** The decoder gave up on the file's data: a transcode of the same bytes would fail the same way. */
  DECODE_ERROR: { status: 422, retryable: false },
  /** The file made FFmpeg exceed what its probed duration and frame rate allow (frames, time). */
  INPUT_BUDGET_EXCEEDED: { status: 422, retryable: false },
  // Refusals of the request (HTTP API).
  BAD_REQUEST: { status: 400, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  CONFLICT: { status: 409, retryable: false },
  /** The path exists but not with this method; `Allow` lists the ones it has. */
  METHOD_NOT_ALLOWED: { status: 405, retryable: false },
  /**
   * A webhook URL that is not http(s), carries credentials, or names an address the notifier never calls (loopback,
   * private, link-local, metadata…); the message says which rule.
   */
  WEBHOOK_URL_REFUSED: { status: 400, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  /** A playback link whose token is forged, for another video, or signed with a retired secret. */
  TOKEN_INVALID: { status: 403, retryable: false },
  /** A playback link past its expiry: the player asks the API for fresh links. */
  TOKEN_EXPIRED: { status: 403, retryable: false },
  /** Engagement events without a playback session token, or with a forged or malformed one. */
  SESSION_INVALID: { status: 401, retryable: false },
  /** An API key (`rfk_…`) that is unknown, revoked or malformed. */
  API_KEY_INVALID: { status: 401, retryable: false },
  /** A playback session token past its expiry: the player starts a new session (POST …/playback-sessions). */
  SESSION_EXPIRED: { status: 401, retryable: false },
  /** A per-user quota (concurrent uploads, unfinished videos, bytes per day) is used up; the message names it. */
  QUOTA_EXCEEDED: { status: 429, retryable: true },
  /** The client stopped sending the request body for longer than the server waits. */
  REQUEST_TIMEOUT: { status: 408, retryable: true },
  /** A direct upload was not completed before its TTL; the sweeper aborted it. */
  UPLOAD_EXPIRED: { status: 410, retryable: false },
  /** A pipeline step kept failing on this video's message and set it aside (its topic's DLQ): retrying cannot help. */
  PROCESSING_FAILED: { status: 500, retryable: false },
  // Infrastructure trouble: another attempt may succeed.
  TRANSCODE_FAILED: { status: 500, retryable: true },
  TRANSCODE_TIMEOUT: { status: 500, retryable: true },
  INTERRUPTED: { status: 503, retryable: true },
  TASK_LOST: { status: 500, retryable: true },
  LAUNCH_FAILED: { status: 503, retryable: true },
  /**
   * The task platform has no room now (ECS `RESOURCE:*`, capacity provider, task quota, throttling): the job waits
   * for capacity and is launched later; it costs no attempt.
   */
  LAUNCH_CAPACITY: { status: 503, retryable: true },
  STORAGE_ERROR: { status: 503, retryable: true },
  /** This instance is at its cap of concurrent uploads; another instance, or a later try, may take it. */
  SERVER_BUSY: { status: 503, retryable: true },
  INTERNAL: { status: 500, retryable: true },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  /** When a retry can succeed, in seconds; an HTTP answer carries it as `Retry-After`. */
  readonly retryAfterSec: number | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; retryAfterSec?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = options?.status ?? errorCodes[code].status;
    this.retryable = errorCodes[code].retryable;
    this.retryAfterSec = options?.retryAfterSec;
  }

  toJSON() {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/**
 * What a video's owner reads when a pipeline step gave up on its message (it went to the DLQ): the video failed
 * for a reason on our side, and the internals are in the DLQ headers and the logs, not here.
 */
export const processingFailed = (): AppError =>
  new AppError(
    'PROCESSING_FAILED',
    'We could not process this video because of an error on our side; please upload it again.',
  );

/** Anything that is not an AppError is an unexpected fault: retryable, and its internals stay in the logs. */
export const toAppError = (err: unknown): AppError =>
  err instanceof AppError ? err : new AppError('INTERNAL', 'internal error', { cause: err });
