// A transcoder task's S3 credentials in AWS: sessions of the transcoder access role, each obtained by calling the
// presigned STS AssumeRole request of the job spec. Handed to the S3 client as its credential provider, it is
// called on the first S3 request (the source download) and again whenever the session it returned is within five
// minutes of its end (the SDK's refresh window), so a job may outlast the one-hour cap of a chained role session.
import { parseXML } from '@aws-sdk/xml-builder';
import { backoffMs, sleep } from '@reelforge/core';

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface PresignedSession {
  /** A SigV4 query-string signed GET of STS AssumeRole: a bearer secret, never logged nor put in an error. */
  assumeRoleUrl: string;
  /** When the URL stops working (ISO 8601). */
  expiresAt: string;
}

export interface SessionProviderOptions {
  fetch?: typeof fetch;
  /** One STS call, in ms. */
  timeoutMs?: number;
  /** Calls per session, for STS throttling, 5xx and network errors; the first backoff step is `retryBaseMs`. */
  attempts?: number;
  retryBaseMs?: number;
}

/** Thrown for a session that cannot be had; `retryable` when another call may get it (throttling, 5xx, network). */
export class SessionRequestError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SessionRequestError';
  }
}

/**
 * The credential provider for the task's S3 client. A refresh that failed leaves the S3 request that needed it to
 * fail (the attempt is then reported as a retryable storage failure), so transient STS errors are retried here.
 */
export function presignedSessionCredentials(
  session: PresignedSession,
  opts: SessionProviderOptions = {},
): () => Promise<SessionCredentials> {
  const doFetch = opts.fetch ?? fetch;
  const attempts = opts.attempts ?? 3;
  const backoff = { baseMs: opts.retryBaseMs ?? 500, capMs: 5_000, jitter: 'equal' as const };
  const once = async (): Promise<SessionCredentials> => {
    if (Date.now() >= Date.parse(session.expiresAt)) {
      throw new SessionRequestError(`the job's session request expired at ${session.expiresAt}`, false);
    }
    let response: Response;
    try {
      response = await doFetch(session.assumeRoleUrl, { signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
    } catch (err) {
      throw new SessionRequestError('STS could not be reached for the job’s session', true, { cause: err });
    }
    const body = await response.text();
    if (!response.ok) {
      const code = stsErrorCode(body);
      const retryable = response.status >= 500 || code === 'Throttling';
      throw new SessionRequestError(
        `STS refused the job’s session request (HTTP ${response.status}${code ? ` ${code}` : ''})`,
        retryable,
      );
    }
    return parseAssumeRoleResponse(body);
  };
  return async () => {
    for (let failures = 1; ; failures++) {
      try {
        return await once();
      } catch (err) {
        if (!(err instanceof SessionRequestError) || !err.retryable || failures >= attempts) throw err;
        await sleep(backoffMs(failures, backoff));
      }
    }
  };
}

type Xml = { [name: string]: Xml | string | undefined };

/** The credentials of an STS `AssumeRoleResponse` document. */
export function parseAssumeRoleResponse(xml: string): SessionCredentials {
  let doc: Xml;
  try {
    doc = parseXML(xml) as Xml;
  } catch (err) {
    throw new SessionRequestError('STS answered the session request with malformed XML', false, { cause: err });
  }
  const credentials = child(child(child(doc, 'AssumeRoleResponse'), 'AssumeRoleResult'), 'Credentials');
  const text = (name: string) => {
    const value = credentials?.[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const accessKeyId = text('AccessKeyId');
  const secretAccessKey = text('SecretAccessKey');
  const sessionToken = text('SessionToken');
  const expiration = new Date(text('Expiration') ?? Number.NaN);
  if (!accessKeyId || !secretAccessKey || !sessionToken || Number.isNaN(expiration.getTime())) {
    throw new SessionRequestError('STS answered the session request without credentials', false);
  }
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}

/** The `Code` of an STS `ErrorResponse` document, if the body is one. */
export function stsErrorCode(xml: string): string | undefined {
  try {
    const code = child(child(parseXML(xml) as Xml, 'ErrorResponse'), 'Error')?.Code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

const child = (node: Xml | undefined, name: string): Xml | undefined => {
  const value = node?.[name];
  return typeof value === 'object' ? value : undefined;
};
