// The transcoder: a Fargate task definition (not a service) the dispatcher runs once per video attempt. Its own role
// has no S3 access and may only produce its reports: each task gets a session of the access role from the dispatcher,
// narrowed to its job's source and output prefix (see task-access.policy.ts). grantLaunch says who may start it.
import { Duration, Lazy, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { SecurityGroup, type SubnetSelection, type Vpc } from 'aws-cdk-lib/aws-ec2';
import type { IRepository } from 'aws-cdk-lib/aws-ecr';
import {
  type Cluster,
  ContainerImage,
  CpuArchitecture,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import { ArnPrincipal, type IRole, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeTaskDefinition, acknowledgeWildcardResources } from './nag.acknowledge.js';
import { grantObjects } from './s3.access.js';

/** ECS_CONTAINER_NAME: the container the dispatcher's overrides (JOB_SPEC) address. */
export const TRANSCODER_CONTAINER = 'transcoder';

export interface TranscoderProps {
  vpc: Vpc;
  subnets: SubnetSelection;
  cluster: Cluster;
  family: string;
  repository: IRepository;
  imageTag: string;
  cpu: number;
  memoryMiB: number;
  ephemeralStorageGiB: number;
  raw: IBucket;
  processed: IBucket;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

export class Transcoder extends Construct {
  readonly taskDefinition: FargateTaskDefinition;
  readonly securityGroup: SecurityGroup;
  readonly executionRole: IRole;
  /**
   * Reads sources and writes outputs, bucket-wide, but only the dispatcher may assume it, and it does so once per job
   * with a session policy that narrows it to that job's source key and output prefix.
   */
  readonly accessRole: Role;
  private readonly props: TranscoderProps;
  private launcher: IRole | undefined;

  constructor(scope: Construct, id: string, props: TranscoderProps) {
    super(scope, id);
    this.props = props;
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Transcoder tasks: no inbound; out to S3, ECR, logs and Kafka',
    });
    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      ephemeralStorageGiB: props.ephemeralStorageGiB,
      // FFmpeg builds and the images' platform (push-images.sh builds linux/amd64) must agree.
      runtimePlatform: { cpuArchitecture: CpuArchitecture.X86_64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.taskDefinition.addContainer(TRANSCODER_CONTAINER, {
      containerName: TRANSCODER_CONTAINER,
      image: ContainerImage.fromEcrRepository(props.repository, props.imageTag),
      environment: props.environment,
      logging: LogDrivers.awsLogs({ logGroup, streamPrefix: 'task' }),
      essential: true,
      // Fargate's longest grace: a stopped task's SIGTERM handler aborts FFmpeg and reports the attempt.
      stopTimeout: Duration.seconds(120),
    });
    // The container above pulls from ECR and logs, so the execution role exists by now.
    this.executionRole = this.taskDefinition.obtainExecutionRole();

    this.accessRole = new Role(this, 'AccessRole', {
      assumedBy: new ArnPrincipal(
        Lazy.string({
          produce: () => {
            if (!this.launcher)
              throw new Error('Transcoder.grantLaunch was never called: nobody may assume AccessRole');
            return this.launcher.roleArn;
          },
        }),
      ),
      description: 'Per-job sessions for transcoder tasks, narrowed by a session policy to one job',
      // STS caps a chained session (ECS task role → this role) at an hour anyway.
      maxSessionDuration: Duration.hours(1),
    });
    // Reads its source; writes its outputs, and deletes what a failed attempt left under its own prefix.
    grantObjects(this.accessRole, props.raw, 'read', 'list');
    // Read too: a chunked job's stitch reads the chunks written under its own prefix.
    grantObjects(this.accessRole, props.processed, 'read', 'write', 'delete', 'list');
    acknowledgeTaskDefinition(this.taskDefinition);
  }

  /**
   * What the dispatcher needs to launch and watch transcodes: RunTask of this task definition (any revision of its
   * family, so dispatchers still running during a rollout keep working) in this cluster, PassRole of exactly its two
   * roles to ECS tasks, and DescribeTasks/StopTask (and tagging at launch) of tasks in this cluster.
   */
  grantLaunch(role: IRole): void {
    if (this.launcher) throw new Error('Transcoder.grantLaunch: one launcher role only');
    this.launcher = role;
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [this.accessRole.roleArn] }),
    );
    const stack = Stack.of(this);
    const { cluster, family } = this.props;
    const inCluster = { ArnEquals: { 'ecs:cluster': cluster.clusterArn } };
    const tasksOfCluster = stack.formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `${cluster.clusterName}/*`,
    });
    const revisionsOfFamily = stack.formatArn({
      service: 'ecs',
      resource: 'task-definition',
      resourceName: `${family}:*`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ecs:RunTask'], resources: [revisionsOfFamily], conditions: inCluster }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.taskDefinition.taskRole.roleArn, this.executionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
        resources: [tasksOfCluster],
        conditions: inCluster,
      }),
    );
    // RunTask with tags (or propagated ones) needs TagResource on the task it creates, and only then.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ecs:TagResource'],
        resources: [tasksOfCluster],
        conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      }),
    );
    acknowledgeWildcardResources(
      role,
      [revisionsOfFamily, tasksOfCluster],
      'Revisions of the transcoder family only, and task ids that exist only once RunTask made them, in this cluster.',
    );
  }
}
