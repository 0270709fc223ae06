// The one error body of the HTTP API: RFC 9457 problem details plus Reelforge's stable `code`.
import { z } from 'zod';
import { type AppError, errorCodes } from '../app-error.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const Problem = z
  .object({
    type: z.string().describe('A URI naming the kind of problem; stable per `code`.'),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    instance: z.string().describe('The request path the problem happened on.'),
    code: z.enum(Object.keys(errorCodes) as [keyof typeof errorCodes, ...(keyof typeof errorCodes)[]]),
    /** Which request fields were refused, for BAD_REQUEST. */
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

/** The problem body for a refusal; a 5xx says only that the server failed, never why. */
export function problemOf(err: AppError, instance: string): Problem {
  const hidden = err.status >= 500;
  return {
    type: `urn:reelforge:problem:${err.code.toLowerCase().replaceAll('_', '-')}`,
    title: err.code,
    status: err.status,
    detail: hidden ? 'The server could not complete the request; try again later.' : err.message,
    instance,
    code: err.code,
  };
}
