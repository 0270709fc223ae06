// The three buckets: raw uploads (cold-archived), processed renditions (served by the CDN) and the access logs of
// both, the CDN and the load balancer. All private, encrypted and TLS-only.
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where upload-api puts originals (see sourceKey in @reelforge/storage); only these go to the cold archive. */
export const SOURCES_PREFIX = 'sources/';

export interface StorageProps {
  rawArchiveAfterDays: number;
  logRetentionDays: number;
  uploadCorsOrigins?: string[] | undefined;
  removalPolicy: RemovalPolicy;
}

export class Storage extends Construct {
  readonly raw: Bucket;
  readonly processed: Bucket;
  readonly logs: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const base = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    };

    this.logs = new Bucket(this, 'Logs', {
      ...base,
      // CloudFront's standard logging writes with ACLs, so this bucket keeps them (owner-preferred); ALB and S3 access
      // logs only support SSE-S3, which is why no bucket here uses KMS.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(props.logRetentionDays) }],
    });
    Validations.of(this.logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging it into itself would loop.',
    });

    this.raw = new Bucket(this, 'Raw', {
      ...base,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/raw/',
      lifecycleRules: [
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        {
          id: 'archive-sources',
          prefix: SOURCES_PREFIX,
          transitions: [
            { storageClass: StorageClass.GLACIER, transitionAfter: Duration.days(props.rawArchiveAfterDays) },
          ],
        },
      ],
      ...(props.uploadCorsOrigins?.length
        ? {
            cors: [
              {
                allowedMethods: [HttpMethods.PUT],
                allowedOrigins: props.uploadCorsOrigins,
                allowedHeaders: ['*'],
                exposedHeaders: ['ETag'],
                maxAge: 3600,
              },
            ],
          }
        : {}),
    });

    this.processed = new Bucket(this, 'Processed', {
      ...base,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/processed/',
      // The transcoder uploads renditions in parts; a killed task would otherwise leave billed parts behind.
      lifecycleRules: [{ id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
  }
}
