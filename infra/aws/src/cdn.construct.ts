// CloudFront in front of the processed bucket, reading it through origin access control: the bucket stays private
// and the API's CDN_BASE_URL points here. A CloudFront Function checks every viewer request against the playback
// access store (which videos are public or private, the token secrets) before the cache: public videos play from
// plain paths, private ones only under a signed token (packages/storage/src/playback.token.ts).
import { fileURLToPath } from 'node:url';
import { Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  KeyValueStore,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface CdnProps {
  processed: IBucket;
  logs: IBucket;
  domainName?: string | undefined;
  certificateArn?: string | undefined;
}

export class Cdn extends Construct {
  readonly distribution: Distribution;
  /** What upload-api gets as CDN_BASE_URL. */
  readonly baseUrl: string;
  /** `public:{id}` while a video is public and `secret:0|1`, written by upload-api, read by the function. */
  readonly accessStore: KeyValueStore;

  constructor(scope: Construct, id: string, props: CdnProps) {
    super(scope, id);
    // The TLS floor only applies to a custom certificate; CloudFront's default one is fixed.
    const custom =
      props.domainName && props.certificateArn
        ? {
            domainNames: [props.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {};

    this.accessStore = new KeyValueStore(this, 'PlaybackAccess', {
      comment: 'Reelforge playback access: video visibility and token secrets',
    });
    const auth = new CloudFrontFunction(this, 'PlaybackAuth', {
      comment: 'Reelforge: public paths for public videos, signed token paths for private ones',
      runtime: FunctionRuntime.JS_2_0,
      keyValueStore: this.accessStore,
      // The source, not a build output: tsc does not copy .js files (same path from src/ and dist/).
      code: FunctionCode.fromFile({
        filePath: fileURLToPath(new URL('../src/edge/playback-auth.function.js', import.meta.url)),
      }),
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Reelforge renditions',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(props.processed),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        // Outputs live under their attempt and are never rewritten, so they cache for as long as CloudFront likes.
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        // Players on other origins (hls.js) fetch playlists and segments with CORS.
        responseHeadersPolicy: ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: CachedMethods.CACHE_GET_HEAD_OPTIONS,
        functionAssociations: [{ function: auth, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      ...custom,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.logs,
      logFilePrefix: 'cloudfront/',
    });

    this.baseUrl = `https://${props.domainName ?? this.distribution.distributionDomainName}`;

    if (!props.domainName) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose TLS policy cannot be ' +
          'raised; set cdnDomainName/cdnCertificateArn to enforce TLSv1.2_2021.',
      });
    }
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'Videos are served worldwide; no geo restriction is a product decision.' },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'Read-only static renditions from a private bucket; WAF is left to the operator (cost per request).',
      },
    );
  }

  /** What upload-api needs to publish visibility and secrets, and to drop a deleted video's cached objects. */
  grantAccessWriter(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['DescribeKeyValueStore', 'GetKey', 'PutKey', 'DeleteKey'].map((a) => `cloudfront-keyvaluestore:${a}`),
      resourceArns: [this.accessStore.keyValueStoreArn],
    });
    this.distribution.grantCreateInvalidation(grantee);
  }
}
