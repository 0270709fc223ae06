// What one ECS task may do in S3: read its own source, write, read, list and delete under its own output prefix. The
// dispatcher assumes the transcoder access role with this as the session policy and hands the session to the task in
// its job spec, so the intersection of the role and this policy is all a compromised task holds.
import type { AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import type { TranscodeJobSpecV1 } from '@reelforge/contracts';
import { outputPrefix } from '@reelforge/storage';

/**
 * STS caps a session obtained with another role's session (role chaining, as from an ECS task role) at one hour,
 * whatever the role allows.
 */
export const TASK_SESSION_SEC = 3600;

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

/** `sessionName` shows in CloudTrail beside every call the task makes (the launch token: video and attempt). */
export function taskAssumeRoleInput(
  spec: SpecScope,
  roleArn: string,
  sessionName: string,
  partition = 'aws',
): AssumeRoleCommandInput {
  return {
    RoleArn: roleArn,
    RoleSessionName: sessionName,
    DurationSeconds: TASK_SESSION_SEC,
    Policy: JSON.stringify(taskSessionPolicy(spec, partition)),
  };
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), for the S3 ARNs of the session policy. */
export const partitionOf = (arn: string): string => arn.split(':')[1] || 'aws';
