import { describe, expect, it } from 'vitest';
import { parseAssumeRoleResponse, SessionRequestError, stsErrorCode } from './task-session.credentials.js';

// As STS answers (moto's copy, trimmed), namespace attribute included.
const response = `<?xml version="1.0" encoding="UTF-8"?>
<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIARZPUZDIKP3NLNMKI</AccessKeyId>
      <SecretAccessKey>UwcBlgKIufog8Pil/lTKLZ+4FdKmMfED0uqNz+7k</SecretAccessKey>
      <SessionToken>FQoGZXIvYXdzEBYaDmbLJHCO+/=</SessionToken>
      <Expiration>2026-12-03T10:35:21.972Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3X42LBCD0UV6EM4YF:rf-x-a1</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/rf-transcoder-access/rf-x-a1</Arn>
    </AssumedRoleUser>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>kDj5svUvtyN9</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;

describe('parseAssumeRoleResponse', () => {
  it('reads the session’s keys, token and end', () => {
    expect(parseAssumeRoleResponse(response)).toEqual({
      accessKeyId: 'ASIARZPUZDIKP3NLNMKI',
      secretAccessKey: 'UwcBlgKIufog8Pil/lTKLZ+4FdKmMfED0uqNz+7k',
      sessionToken: 'FQoGZXIvYXdzEBYaDmbLJHCO+/=',
      expiration: new Date('2026-12-03T10:35:21.972Z'),
    });
  });

  it('refuses a document without complete credentials, or no XML at all', () => {
    for (const xml of [
      response.replace(/<SessionToken>.*<\/SessionToken>/, ''),
      response.replace('2026-12-03T10:35:21.972Z', 'soon'),
      '<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>',
      '{"Credentials":{}}',
    ]) {
      expect(() => parseAssumeRoleResponse(xml)).toThrow(SessionRequestError);
    }
  });
});

describe('stsErrorCode', () => {
  it('reads the code of an STS error document, and nothing of anything else', () => {
    const error =
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
      '<Code>AccessDenied</Code><Message>Request has expired</Message></Error><RequestId>r</RequestId></ErrorResponse>';
    expect(stsErrorCode(error)).toBe('AccessDenied');
    expect(stsErrorCode(response)).toBeUndefined();
    expect(stsErrorCode('Service Unavailable')).toBeUndefined();
  });
});
