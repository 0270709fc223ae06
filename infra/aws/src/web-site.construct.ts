// The web app in AWS: its built files (apps/web/dist/public) in a private bucket, deployed by the CDK, behind a
// CloudFront distribution that also sends `/v1/*` to the API's load balancer — one origin for the browser, the shape
// the local web server gives (apps/web/src/server). Page paths of the app are answered with index.html at the edge.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { LoadBalancerV2Origin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { ApplicationLoadBalancer } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './nag.acknowledge.js';

/** `pnpm exec turbo run build` writes it; synthesizing deploys what is there. */
export const WEB_BUILD_DIR = fileURLToPath(new URL('../../../apps/web/dist/public', import.meta.url));

export interface WebSiteProps {
  api: ApplicationLoadBalancer;
  /** The API's listener is HTTPS (a certificate was given). */
  apiHttps: boolean;
  /** The raw bucket: the browser PUTs direct-upload parts to it from the site's origin. */
  uploads: IBucket & Pick<Bucket, 'addCorsRule'>;
  logs: IBucket;
  removalPolicy: RemovalPolicy;
  buildDir?: string;
}

export class WebSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly url: string;
  /** CDK's deployment function's role: the only one that writes the site bucket. */
  readonly deployerRole: IRole;

  constructor(scope: Construct, id: string, props: WebSiteProps) {
    super(scope, id);
    const buildDir = props.buildDir ?? WEB_BUILD_DIR;
    if (!existsSync(join(buildDir, 'index.html'))) {
      throw new Error(`no built web app in ${buildDir}: run \`pnpm exec turbo run build\` first`);
    }
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
      serverAccessLogsBucket: props.logs,
      serverAccessLogsPrefix: 's3/site/',
    });

    // The app routes in the browser: a path without a file extension is one of its pages.
    const pages = new CloudFrontFunction(this, 'Pages', {
      comment: 'Reelforge web: app page paths are index.html',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri.indexOf('.') === -1) { r.uri = '/index.html'; } return r; }",
      ),
    });
    const api = new LoadBalancerV2Origin(props.api, {
      protocolPolicy: props.apiHttps ? OriginProtocolPolicy.HTTPS_ONLY : OriginProtocolPolicy.HTTP_ONLY,
    });
    const toApi = {
      origin: api,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // The bearer token, the query and the body go through; the Host is the load balancer's own.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Reelforge web app',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        functionAssociations: [{ function: pages, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: { '/v1/*': toApi },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.logs,
      logFilePrefix: 'cloudfront-site/',
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [Source.asset(buildDir)],
      destinationBucket: this.bucket,
      // Hashed assets never change; index.html is re-read so a deploy shows at once.
      distribution: this.distribution,
      distributionPaths: ['/index.html'],
      prune: true,
      memoryLimit: 256,
    });

    // The site's own domain cannot be named here (the raw bucket would wait for the distribution, which waits for the
    // load balancer, whose logs policy names the raw bucket: a cycle). Any CloudFront origin is no wider in effect: a
    // part URL is a presigned capability, which CORS never guarded (any non-browser client may PUT it).
    props.uploads.addCorsRule({
      allowedMethods: [HttpMethods.PUT],
      allowedOrigins: ['https://*.cloudfront.net'],
      allowedHeaders: ['*'],
      exposedHeaders: ['ETag'],
      maxAge: 3600,
    });

    // CDK's deployment function (one per stack): copies the asset into the bucket and invalidates index.html.
    this.deployerRole = deployment.handlerRole;
    const deployer = deployment.handlerRole.node.scope as Construct;
    const stack = Stack.of(this);
    Validations.of(deployer).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason: 'CDK owns the BucketDeployment function and its runtime; it runs only at deploy.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The deployment function of CDK writes its logs with the basic execution role; it runs only at deploy.',
      },
      ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: 'CDK grants the deployment function read of its asset and write of the site bucket, by action group.',
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'cloudfront:CreateInvalidation of the deployment function has no resource-level permissions here.',
      },
    );
    acknowledgeWildcardResources(
      deployer,
      [
        `${this.bucket.bucketArn}/*`,
        `arn:${Aws.PARTITION}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`,
      ],
      'The deployment function reads the CDK asset bucket and writes every object of the site bucket: that is its job.',
    );
    if (!props.apiHttps) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR5',
        reason:
          'Without a certificate the API load balancer listens on HTTP only, so /v1/* reaches it in plain HTTP; set apiCertificateArn.',
      });
    }
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The site uses the default *.cloudfront.net certificate, whose TLS policy cannot be raised; put a custom domain in front to enforce TLSv1.2_2021.',
      },
      { id: 'AwsSolutions-CFR1', reason: 'The app is used worldwide; no geo restriction is a product decision.' },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'Static files and the API (which rate-limits itself); WAF is left to the operator (cost per request).',
      },
    );
  }
}
