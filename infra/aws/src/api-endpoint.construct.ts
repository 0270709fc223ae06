// The public entrance of upload-api: an internet-facing ALB whose target group checks /healthz. HTTPS on 443 when
// a certificate is given (port 80 then redirects), plain HTTP on 80 otherwise.
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { SubnetType, type Vpc } from 'aws-cdk-lib/aws-ec2';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import {
  ApplicationLoadBalancer,
  ApplicationProtocol,
  ListenerAction,
  Protocol,
} from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export const HEALTH_CHECK_PATH = '/healthz';

export interface ApiEndpointProps {
  vpc: Vpc;
  service: FargateService;
  port: number;
  logs: IBucket;
  certificateArn?: string | undefined;
}

export class ApiEndpoint extends Construct {
  readonly loadBalancer: ApplicationLoadBalancer;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiEndpointProps) {
    super(scope, id);
    this.loadBalancer = new ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    // The log bucket's policy names the region's ELB log writer, which only a stack with a known region can name;
    // `cdk deploy` always knows it (CDK_DEFAULT_REGION, see main.ts), an environment-agnostic synth does not.
    if (Token.isUnresolved(Stack.of(this).region)) {
      Validations.of(this.loadBalancer).acknowledge({
        id: 'AwsSolutions-ELB2',
        reason: 'Environment-agnostic synth: access logs are enabled when the stack is synthesized for a region.',
      });
    } else {
      this.loadBalancer.logAccessLogs(props.logs, 'alb');
    }
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The API load balancer is public by design; only its listener ports are open.',
    });

    const listener = props.certificateArn
      ? this.loadBalancer.addListener('Https', {
          port: 443,
          protocol: ApplicationProtocol.HTTPS,
          certificates: [Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)],
        })
      : this.loadBalancer.addListener('Http', { port: 80, protocol: ApplicationProtocol.HTTP });
    if (props.certificateArn) {
      this.loadBalancer.addListener('Redirect', {
        port: 80,
        defaultAction: ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    }

    listener.addTargets('UploadApi', {
      port: props.port,
      protocol: ApplicationProtocol.HTTP,
      targets: [props.service],
      // In-flight requests finish within this; uploads themselves go straight to S3 with presigned URLs.
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        protocol: Protocol.HTTP,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    const scheme = props.certificateArn ? 'https' : 'http';
    this.url = `${scheme}://${this.loadBalancer.loadBalancerDnsName}`;
  }
}
