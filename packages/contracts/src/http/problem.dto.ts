// The one error body of the HTTP API: RFC 9457 problem details plus Reelforge's stable `code`.
import { z } from 'zod';
import { errorCodes } from '../app-error.js';

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
