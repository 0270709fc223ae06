// For the local stacks only (moto, LocalStack on loopback): a bucket policy letting anyone GET its objects, so the
// bucket's own URL can stand in for the CDN that serves the processed bucket in a deployment.
export function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }],
  });
}
