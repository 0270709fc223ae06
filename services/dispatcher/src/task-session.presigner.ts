// Presigns the STS AssumeRole request a transcoder task calls for its S3 sessions (see task-access.policy.ts), with
// the STS client's own endpoint, region and credentials — the dispatcher's task role in AWS. Signing is local: no
// call to STS at launch.
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { SignatureV4 } from '@smithy/signature-v4';
import { sessionRequestExpiresIn } from './task-access.policy.js';

export interface PresignedSessionRequest {
  url: string;
  expiresAt: Date;
}

export async function presignSessionRequest(
  sts: STSClient,
  query: Record<string, string>,
  storageUntil: Date | undefined,
  now = new Date(),
): Promise<PresignedSessionRequest> {
  let credentials = await sts.config.credentials();
  // The SDK renews cached credentials only in their last five minutes, while ECS rotates a task's role credentials
  // well before they end: newer ones may let the request last longer.
  if (credentials.expiration && (!storageUntil || credentials.expiration < storageUntil)) {
    const fresh = await sts.config.credentials({ forceRefresh: true });
    if (!fresh.expiration || fresh.expiration > credentials.expiration) credentials = fresh;
  }
  const expiresIn = sessionRequestExpiresIn(now, storageUntil, credentials.expiration);
  const endpoint = await getEndpointFromInstructions(
    { RoleArn: query.RoleArn, RoleSessionName: query.RoleSessionName },
    AssumeRoleCommand,
    sts.config,
  );
  const url = endpoint.url;
  const signer = new SignatureV4({
    credentials,
    region: await sts.config.region(),
    service: 'sts',
    sha256: sts.config.sha256,
    uriEscapePath: true,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { host: url.host },
    },
    { expiresIn, signingDate: now },
  );
  const search = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(String(v))}`)
    .join('&');
  return {
    url: `${url.protocol}//${url.host}${url.pathname}?${search}`,
    expiresAt: new Date(now.getTime() + expiresIn * 1000),
  };
}

/** encodeURIComponent leaves !'()* alone; SigV4's canonical query escapes them, so the URL does the same. */
const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
