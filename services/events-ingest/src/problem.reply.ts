// Every refusal that is not a per-event verdict leaves as one RFC 9457 problem with a stable `code` (problemOf, in
// @reelforge/contracts); this maps what fastify throws onto those codes.
import { AppError } from '@reelforge/contracts';

/** Fastify's own body errors, which carry a status but no AppError code. */
const FASTIFY_CODES: Record<string, AppError['code']> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_INPUT',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

export function toIngestError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string } | null)?.code;
  const known = code ? FASTIFY_CODES[code] : undefined;
  if (known) return new AppError(known, (err as Error).message, { cause: err });
  return new AppError('INTERNAL', 'internal error', { cause: err });
}
