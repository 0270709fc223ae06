// The typed client: openapi-fetch over the generated paths, with the bearer token and one error type. Fetch-based,
// so it runs in browsers and Node alike.
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './api.generated.js';

export type Video = components['schemas']['Video'];
export type VideoPage = components['schemas']['VideoPage'];
export type DirectUpload = components['schemas']['DirectUpload'];
export type Problem = components['schemas']['Problem'];
export type ApiClient = Client<paths>;

export interface ClientOptions {
  baseUrl: string;
  /** A bearer token from login or register. */
  token?: string | undefined;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** A refusal from the API (its problem's stable `code`) or a failure on the way to it. */
export class ReelforgeError extends Error {
  override readonly name = 'ReelforgeError';
  constructor(
    /** The problem's code, or NETWORK_ERROR / STORAGE_ERROR for failures outside the API. */
    readonly code: string,
    readonly status: number,
    message: string,
    readonly problem?: Problem,
  ) {
    super(message);
  }
}

export interface Reelforge {
  api: ApiClient;
  baseUrl: string;
  token: string | undefined;
  fetch: typeof fetch;
}

export function createReelforge(opts: ClientOptions): Reelforge {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const api = createClient<paths>({
    baseUrl,
    fetch: fetchFn,
    ...(opts.token && { headers: { authorization: `Bearer ${opts.token}` } }),
  });
  return { api, baseUrl, token: opts.token, fetch: fetchFn };
}

/** The data of an openapi-fetch result, or its problem as a ReelforgeError. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch (err) {
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw new ReelforgeError('NETWORK_ERROR', 0, `could not reach the API: ${(err as Error).message}`);
  }
  if (result.error !== undefined || !result.response.ok) throw problemError(result.response.status, result.error);
  return result.data as T;
}

export function problemError(status: number, body: unknown): ReelforgeError {
  const problem = body && typeof body === 'object' && 'code' in body ? (body as Problem) : undefined;
  if (problem) return new ReelforgeError(problem.code, status, problem.detail ?? problem.title, problem);
  return new ReelforgeError(`HTTP_${status}`, status, `the API answered ${status}`);
}
