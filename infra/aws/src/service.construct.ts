// One long-running Reelforge service on Fargate (upload-api, dispatcher, completion): its image, env, database
// secrets, health check on its own port, logs, and a rolling deployment that rolls back when tasks stay unhealthy.
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import {
  type Cluster,
  ContainerImage,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LinuxParameters,
  LogDrivers,
  OperatingSystemFamily,
  Protocol,
  type Secret,
} from 'aws-cdk-lib/aws-ecs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeTaskDefinition } from './nag.acknowledge.js';

export interface ReelforgeServiceProps {
  cluster: Cluster;
  subnets: SubnetSelection;
  repository: IRepository;
  imageTag: string;
  cpu: number;
  memoryMiB: number;
  desiredCount: number;
  /** Where the service answers /healthz (its HTTP port or its ops port). */
  healthPort: number;
  environment: Record<string, string>;
  secrets: Record<string, Secret>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

export class ReelforgeService extends Construct {
  readonly service: FargateService;
  readonly taskDefinition: FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: ReelforgeServiceProps) {
    super(scope, id);
    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    const linuxParameters = new LinuxParameters(this, 'LinuxParameters', {
      // tini as PID 1 forwards SIGTERM to node and reaps children, so graceful shutdown works as it does locally.
      initProcessEnabled: true,
    });
    this.taskDefinition.addContainer('app', {
      containerName: 'app',
      image: ContainerImage.fromEcrRepository(props.repository, props.imageTag),
      environment: props.environment,
      secrets: props.secrets,
      portMappings: [{ containerPort: props.healthPort, protocol: Protocol.TCP }],
      healthCheck: {
        // docker/healthcheck.mjs: GET /healthz on the given port; node is the only binary the image is sure to have.
        command: ['CMD', 'node', '/app/healthcheck.mjs', String(props.healthPort)],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      linuxParameters,
      logging: LogDrivers.awsLogs({ logGroup, streamPrefix: 'app' }),
    });
    acknowledgeTaskDefinition(this.taskDefinition);

    this.service = new FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.desiredCount,
      vpcSubnets: props.subnets,
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
    });
  }
}
