// S3 permissions spelled out action by action: CDK's bucket grants use wildcards (s3:GetObject*, s3:List*), and the
// rule here is that no role gets a wildcard S3 action.
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { acknowledgeWildcardResources } from './nag.acknowledge.js';

export type ObjectAccess = 'read' | 'list' | 'write' | 'delete';

function statements(bucket: IBucket, access: ObjectAccess): PolicyStatement[] {
  const objects = [bucket.arnForObjects('*')];
  switch (access) {
    case 'read':
      return [new PolicyStatement({ actions: ['s3:GetObject'], resources: objects })];
    case 'list':
      // Also what HeadBucket (readiness) needs, and what turns a missing key into a 404 rather than a 403.
      return [new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] })];
    case 'write':
      // Multipart uploads (lib-storage's Upload) and their clean-up when a task dies mid-way.
      return [
        new PolicyStatement({
          actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: objects,
        }),
      ];
    case 'delete':
      return [new PolicyStatement({ actions: ['s3:DeleteObject'], resources: objects })];
  }
}

export function grantObjects(role: IRole, bucket: IBucket, ...access: ObjectAccess[]): void {
  if (access.length === 0) return;
  for (const statement of access.flatMap((a) => statements(bucket, a))) role.addToPrincipalPolicy(statement);
  acknowledgeWildcardResources(
    role,
    [bucket.arnForObjects('*')],
    'Object actions on keys written at runtime (sources/<id>/, videos/<id>/<attempt>/), in this one bucket only.',
  );
}
