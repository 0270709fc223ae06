import { describe, expect, it } from 'vitest';
import { partitionOf, sessionRequestExpiresIn, taskAssumeRoleQuery, taskSessionPolicy } from './task-access.policy.js';

const videoId = '0b6c3a52-2f0e-4f6a-9d43-6a7c1f0e9b21';
const spec = {
  videoId,
  attempt: 2,
  source: { bucket: 'rf-raw', key: `sources/${videoId}/original` },
  output: { bucket: 'rf-processed', prefix: `videos/${videoId}/2/` },
};

describe('taskSessionPolicy', () => {
  it('allows reading the one source object and writing, reading, listing and deleting under the attempt’s prefix', () => {
    expect(taskSessionPolicy(spec)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Source',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::rf-raw/sources/${videoId}/original`,
        },
        {
          Sid: 'Outputs',
          Effect: 'Allow',
          Action: [
            's3:PutObject',
            's3:AbortMultipartUpload',
            's3:ListMultipartUploadParts',
            's3:DeleteObject',
            's3:GetObject',
          ],
          Resource: `arn:aws:s3:::rf-processed/videos/${videoId}/2/*`,
        },
        {
          Sid: 'ListOutputs',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: 'arn:aws:s3:::rf-processed',
          Condition: { StringLike: { 's3:prefix': `videos/${videoId}/2/*` } },
        },
      ],
    });
  });

  it('takes the prefix from (videoId, attempt), not from a spec that names a wider one', () => {
    const wide = taskSessionPolicy({ ...spec, output: { bucket: 'rf-processed', prefix: 'videos/' } });
    expect(wide.Statement[1]?.Resource).toBe(`arn:aws:s3:::rf-processed/videos/${videoId}/2/*`);
  });

  it('names the S3 ARNs of the role’s partition', () => {
    expect(taskSessionPolicy(spec, 'aws-cn').Statement[0]?.Resource).toBe(
      `arn:aws-cn:s3:::rf-raw/sources/${videoId}/original`,
    );
    expect(partitionOf('arn:aws-us-gov:iam::123456789012:role/x')).toBe('aws-us-gov');
    expect(partitionOf('arn:aws:iam::123456789012:role/x')).toBe('aws');
  });
});

describe('taskAssumeRoleQuery', () => {
  it('asks for an hour-long session of the role, named for the job, narrowed by the policy', () => {
    const roleArn = 'arn:aws:iam::123456789012:role/rf-transcoder-access';
    const query = taskAssumeRoleQuery(spec, roleArn, `rf-${videoId}-a2`);
    expect(query).toEqual({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: roleArn,
      RoleSessionName: `rf-${videoId}-a2`,
      DurationSeconds: '3600',
      Policy:
        '{"Version":"2012-10-17","Statement":[' +
        `{"Sid":"Source","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::rf-raw/sources/${videoId}/original"},` +
        '{"Sid":"Outputs","Effect":"Allow","Action":["s3:PutObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts","s3:DeleteObject","s3:GetObject"],' +
        `"Resource":"arn:aws:s3:::rf-processed/videos/${videoId}/2/*"},` +
        '{"Sid":"ListOutputs","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::rf-processed",' +
        `"Condition":{"StringLike":{"s3:prefix":"videos/${videoId}/2/*"}}}]}`,
    });
    // STS refuses a session policy over 2048 characters (before packing); RoleSessionName over 64.
    expect(query.Policy?.length).toBeLessThan(2048);
    expect(query.RoleSessionName?.length).toBeLessThanOrEqual(64);
  });
});

describe('sessionRequestExpiresIn', () => {
  const now = new Date('2026-12-03T10:00:00.000Z');
  const at = (iso: string) => new Date(iso);

  it('lasts until the latest deadline when the signing credentials outlive it', () => {
    expect(sessionRequestExpiresIn(now, at('2026-12-03T13:10:00.000Z'), at('2026-12-03T16:00:00.000Z'))).toBe(11_400);
  });

  it('ends with the signing credentials when they expire first', () => {
    expect(sessionRequestExpiresIn(now, at('2026-12-03T22:10:00.000Z'), at('2026-12-03T15:59:59.900Z'))).toBe(21_599);
  });

  it('never beyond SigV4’s seven days, with or without a deadline and an expiration', () => {
    expect(sessionRequestExpiresIn(now, at('2026-12-20T00:00:00.000Z'))).toBe(604_800);
    expect(sessionRequestExpiresIn(now, undefined)).toBe(604_800);
    expect(sessionRequestExpiresIn(now, undefined, at('2026-12-03T11:00:00.000Z'))).toBe(3600);
  });

  it('is at least one second, even for a deadline already past', () => {
    expect(sessionRequestExpiresIn(now, at('2026-12-03T09:00:00.000Z'))).toBe(1);
  });
});
