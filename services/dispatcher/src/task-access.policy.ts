// What one ECS task may do in S3: read its own source, write, read, list and delete under its own output prefix. The
// dispatcher presigns an STS AssumeRole request of the transcoder access role with this as the session policy and
// hands the request to the task in its job spec; the signature covers the policy, so the intersection of the role and
// this policy is all a compromised task can get, however often it calls the request.
import type { TranscodeJobSpecV1 } from '@reelforge/contracts';
import { outputPrefix } from '@reelforge/storage';

/**
 * STS caps a session obtained with another role's session (role chaining, as from an ECS task role) at one hour,
 * whatever the role allows; the task calls the request again for the next one.
 */
export const TASK_SESSION_SEC = 3600;

/** SigV4 refuses to presign for longer than seven days. */
export const MAX_PRESIGN_SEC = 7 * 24 * 3600;

interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface SessionPolicy {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

type SpecScope = Pick<TranscodeJobSpecV1, 'videoId' | 'attempt' | 'source' | 'output'>;

/**
 * The output prefix comes from (videoId, attempt), not from the spec's `output.prefix`, which is what the transcoder
 * writes to as well: no spec can widen it.
 */
export function taskSessionPolicy(spec: SpecScope, partition = 'aws'): SessionPolicy {
  const prefix = outputPrefix(spec.videoId, spec.attempt);
  const s3 = (resource: string) => `arn:${partition}:s3:::${resource}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Source',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: s3(`${spec.source.bucket}/${spec.source.key}`),
      },
      {
        Sid: 'Outputs',
        Effect: 'Allow',
        // Multipart uploads and their abort; deleting what a failed attempt left behind; reading back its own parts
        // (a chunked job's stitch reads the chunks and the aux part written under the same prefix).
        Action: [
          's3:PutObject',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
          's3:DeleteObject',
          's3:GetObject',
        ],
        Resource: s3(`${spec.output.bucket}/${prefix}*`),
      },
      {
        Sid: 'ListOutputs',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: s3(spec.output.bucket),
        Condition: { StringLike: { 's3:prefix': `${prefix}*` } },
      },
    ],
  };
}

/**
 * The query string of the STS request (Query API, GET). `sessionName` shows in CloudTrail beside every call the task
 * makes (the launch token: video and attempt).
 */
export function taskAssumeRoleQuery(
  spec: SpecScope,
  roleArn: string,
  sessionName: string,
  partition = 'aws',
): Record<string, string> {
  return {
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: roleArn,
    RoleSessionName: sessionName,
    DurationSeconds: String(TASK_SESSION_SEC),
    Policy: JSON.stringify(taskSessionPolicy(spec, partition)),
  };
}

/**
 * X-Amz-Expires of the presigned request, in whole seconds from `now`: until `storageUntil` (the latest deadline the
 * job can have; past it the reaper stops the task), but no later than the signing credentials' expiration — STS
 * refuses a request whose signing credentials have expired, whatever X-Amz-Expires says — nor SigV4's seven days.
 */
export function sessionRequestExpiresIn(now: Date, storageUntil: Date | undefined, credentialsExpireAt?: Date): number {
  const until = Math.min(
    storageUntil?.getTime() ?? Number.POSITIVE_INFINITY,
    credentialsExpireAt?.getTime() ?? Number.POSITIVE_INFINITY,
    now.getTime() + MAX_PRESIGN_SEC * 1000,
  );
  return Math.max(1, Math.floor((until - now.getTime()) / 1000));
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), for the S3 ARNs of the session policy. */
export const partitionOf = (arn: string): string => arn.split(':')[1] || 'aws';
