import { STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { presignSessionRequest } from './task-session.presigner.js';

// Far in the future: the SDK's credential cache compares expirations with the real clock, not with `now`.
const now = new Date('2099-12-03T10:00:00.000Z');
const query = {
  Action: 'AssumeRole',
  Version: '2011-06-15',
  RoleArn: 'arn:aws:iam::123456789012:role/rf-transcoder-access',
  RoleSessionName: 'rf-0b6c3a52-2f0e-4f6a-9d43-6a7c1f0e9b21-a1',
  DurationSeconds: '3600',
  Policy:
    '{"Version":"2012-10-17","Statement":[{"Sid":"Source","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::rf-raw/sources/x (1)*"}]}',
};
const keys = {
  accessKeyId: 'ASIAEXAMPLEDISPATCH',
  secretAccessKey: 'dispatcher-secret',
  sessionToken: 'dispatcher+token/=',
};

describe('presignSessionRequest', () => {
  it('signs a GET of the query on the regional STS endpoint, each value read back exactly as signed', async () => {
    const sts = new STSClient({ region: 'eu-west-1', credentials: keys });
    const until = new Date('2099-12-03T13:10:00.000Z');

    const presigned = await presignSessionRequest(sts, query, until, now);

    const url = new URL(presigned.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://sts.eu-west-1.amazonaws.com/');
    const params = Object.fromEntries(url.searchParams);
    expect(params).toEqual({
      ...query,
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'ASIAEXAMPLEDISPATCH/20991203/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20991203T100000Z',
      'X-Amz-Expires': '11400',
      'X-Amz-Security-Token': 'dispatcher+token/=',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // Never the secret: the task can send this request, not sign another.
    expect(presigned.url).not.toContain('dispatcher-secret');
    expect(presigned.expiresAt).toEqual(until);
    sts.destroy();
  });

  it('ends with the dispatcher’s credentials when ECS has none lasting longer', async () => {
    const expiration = new Date('2099-12-03T12:00:00.000Z');
    let calls = 0;
    const sts = new STSClient({
      region: 'us-east-1',
      credentials: async () => {
        calls++;
        return { ...keys, expiration };
      },
    });

    const presigned = await presignSessionRequest(sts, query, new Date('2099-12-03T22:10:00.000Z'), now);

    expect(new URL(presigned.url).searchParams.get('X-Amz-Expires')).toBe('7200');
    expect(presigned.expiresAt).toEqual(expiration);
    // Asked again, bypassing the SDK's cache, in case newer credentials last longer.
    expect(calls).toBe(2);
    sts.destroy();
  });

  it('signs with rotated credentials when they last longer than the cached ones', async () => {
    const expirations = [new Date('2099-12-03T10:30:00.000Z'), new Date('2099-12-03T16:00:00.000Z')];
    const sts = new STSClient({
      region: 'us-east-1',
      credentials: async () => {
        const expiration = expirations.shift() ?? new Date(0);
        return { ...keys, accessKeyId: `ASIA${expiration.getUTCHours()}`, expiration };
      },
    });

    const presigned = await presignSessionRequest(sts, query, new Date('2099-12-03T22:10:00.000Z'), now);

    const params = new URL(presigned.url).searchParams;
    expect(params.get('X-Amz-Credential')).toBe('ASIA16/20991203/us-east-1/sts/aws4_request');
    expect(params.get('X-Amz-Expires')).toBe('21600');
    sts.destroy();
  });
});
