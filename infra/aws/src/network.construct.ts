// The VPC: public subnets for the load balancer and NAT, private subnets for every task, isolated ones for the
// database. S3 and ECR are reached through endpoints so transcodes and image pulls don't pay NAT for their bytes.
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  type IConnectable,
  type InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface NetworkProps {
  natGateways: number;
  flowLogBucket: IBucket;
}

export class Network extends Construct {
  readonly vpc: Vpc;
  private readonly endpoints: InterfaceVpcEndpoint[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = new Vpc(this, 'Vpc', {
      // Two AZs is what an environment-agnostic stack can name, and what MSK Serverless and RDS need at least.
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        // Every Fargate task takes an address; a /20 per AZ leaves room for thousands of parallel transcodes.
        { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Avoids the custom-resource Lambda CDK would add to strip the default security group; nothing uses it.
      restrictDefaultSecurityGroup: false,
      gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        rejected: {
          destination: FlowLogDestination.toS3(props.flowLogBucket, 'vpc-flow-logs/'),
          trafficType: FlowLogTrafficType.REJECT,
        },
      },
    });

    // Image pulls: the registry API, the Docker endpoint (layers themselves come from S3 via the gateway), and
    // container logs, all without NAT. Closed by default; allowFrom opens them to the tasks.
    const interfaces = {
      EcrApi: InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    };
    this.endpoints = Object.entries(interfaces).map(([name, service]) =>
      this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        open: false,
      }),
    );
  }

  /** HTTPS to the interface endpoints, for a task's security group. */
  allowEndpointsFrom(peer: IConnectable): void {
    for (const endpoint of this.endpoints) endpoint.connections.allowDefaultPortFrom(peer, 'AWS APIs from a task');
  }
}
