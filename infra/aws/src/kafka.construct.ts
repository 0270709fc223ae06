// Kafka for the services: an MSK Serverless cluster with IAM auth, or brokers that already exist (given as
// context). Either way it hands out the same KAFKA_* env and grants a task role what a client needs.
import { Stack, Validations } from 'aws-cdk-lib';
import { type IConnectable, Port, SecurityGroup, SubnetType, type Vpc } from 'aws-cdk-lib/aws-ec2';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnServerlessCluster } from 'aws-cdk-lib/aws-msk';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './nag.acknowledge.js';

/** MSK's port for SASL/IAM over TLS. */
const MSK_IAM_PORT = 9098;

export interface KafkaProps {
  vpc: Vpc;
  prefix: string;
  /** Existing brokers; without them an MSK Serverless cluster is created. */
  brokers?: string[] | undefined;
  ssl: boolean;
  sasl: 'none' | 'aws-msk-iam';
  /** The existing cluster to grant IAM access to when sasl is aws-msk-iam. */
  clusterArn?: string | undefined;
}

/** The ARNs an IAM client policy names: the cluster, and everything of a kind (topic, group) under it. */
interface MskResources {
  cluster: string;
  topics: string;
  groups: string;
  /** The ARN of one topic. */
  topic: (name: string) => string;
}

export class Kafka extends Construct {
  /** The KAFKA_* variables of packages/config's kafkaEnv, as every container gets them. */
  readonly env: Record<string, string>;
  private readonly msk: MskResources | undefined;
  private readonly securityGroup: SecurityGroup | undefined;

  constructor(scope: Construct, id: string, props: KafkaProps) {
    super(scope, id);
    if (props.brokers) {
      this.msk = props.sasl === 'aws-msk-iam' && props.clusterArn ? existingMsk(props.clusterArn) : undefined;
      this.env = {
        KAFKA_BROKERS: props.brokers.join(','),
        KAFKA_SSL: String(props.ssl),
        KAFKA_SASL: props.sasl,
      };
      return;
    }

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'MSK Serverless: reachable from the Reelforge tasks only',
      allowAllOutbound: false,
    });
    const clusterName = `${props.prefix}-kafka`;
    const cluster = new CfnServerlessCluster(this, 'Cluster', {
      clusterName,
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [
        {
          subnetIds: props.vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
          securityGroups: [this.securityGroup.securityGroupId],
        },
      ],
    });
    // Topic and group ARNs are …:topic/<cluster name>/<cluster uuid>/<topic>; the name is ours, the uuid is not
    // known before the cluster exists, and "*" spans it.
    const stack = Stack.of(this);
    const under = (kind: 'topic' | 'group') =>
      stack.formatArn({ service: 'kafka', resource: kind, resourceName: `${clusterName}/*` });
    this.msk = {
      cluster: cluster.attrArn,
      topics: under('topic'),
      groups: under('group'),
      topic: (name) =>
        stack.formatArn({ service: 'kafka', resource: 'topic', resourceName: `${clusterName}/*/${name}` }),
    };

    // CloudFormation has no attribute for MSK's bootstrap string, so one SDK call at deploy time reads it.
    const bootstrap = new AwsCustomResource(this, 'BootstrapBrokers', {
      onUpdate: {
        service: 'Kafka',
        action: 'getBootstrapBrokers',
        parameters: { ClusterArn: cluster.attrArn },
        physicalResourceId: PhysicalResourceId.of(cluster.attrArn),
        outputPaths: ['BootstrapBrokerStringSaslIam'],
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: [cluster.attrArn] }),
      installLatestAwsSdk: false,
    });
    acknowledgeCustomResourceProvider(stack);

    this.env = {
      KAFKA_BROKERS: bootstrap.getResponseField('BootstrapBrokerStringSaslIam'),
      KAFKA_SSL: 'true',
      KAFKA_SASL: 'aws-msk-iam',
      // MSK Serverless fixes the replication factor at 3 and rejects topics asking for less.
      KAFKA_REPLICATION_FACTOR: '3',
    };
  }

  allowFrom(peer: IConnectable): void {
    this.securityGroup?.connections.allowFrom(peer, Port.tcp(MSK_IAM_PORT), 'Kafka (SASL/IAM) from a task');
  }

  /** Connect, produce, consume and create topics on this cluster, nothing elsewhere; a no-op without IAM auth. */
  grantClient(role: IRole): void {
    if (!this.msk) return;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'],
        resources: [this.msk.cluster],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'kafka-cluster:CreateTopic',
          'kafka-cluster:DescribeTopic',
          'kafka-cluster:ReadData',
          'kafka-cluster:WriteData',
        ],
        resources: [this.msk.topics],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        resources: [this.msk.groups],
      }),
    );
    acknowledgeWildcardResources(
      role,
      [this.msk.topics, this.msk.groups],
      'Topics and consumer groups of this one cluster: topic names carry a runtime prefix and .dlq suffix, and the ' +
        'services name their own groups.',
    );
  }

  /**
   * Connect and write these topics, nothing else: no reading, no creating, no consumer groups. A producer needs the
   * topic's metadata (DescribeTopic) to find its partitions' leaders. A no-op without IAM auth.
   */
  grantProducer(role: IRole, topics: readonly string[]): void {
    if (!this.msk) return;
    const msk = this.msk;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'],
        resources: [msk.cluster],
      }),
    );
    const arns = topics.map((t) => msk.topic(t));
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], resources: arns }),
    );
    acknowledgeWildcardResources(role, arns, 'Named topics of this one cluster; "*" spans the cluster id MSK assigns.');
  }
}

/** arn:…:cluster/<name>/<uuid> of an existing cluster → its topic and group ARNs. */
function existingMsk(clusterArn: string): MskResources {
  const under = (kind: 'topic' | 'group') => `${clusterArn.replace(':cluster/', `:${kind}/`)}/*`;
  const topics = under('topic');
  return { cluster: clusterArn, topics, groups: under('group'), topic: (name) => `${topics.slice(0, -1)}${name}` };
}

// The provider Lambda of AwsCustomResource is a stack-level singleton with CDK's fixed id; it is created once for
// the stack, so its findings are acknowledged once, on it.
const PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

function acknowledgeCustomResourceProvider(stack: Stack): void {
  const provider = stack.node.tryFindChild(PROVIDER_ID);
  if (!provider) return;
  Validations.of(provider).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK-owned provider of a single read-only deploy-time SDK call; the managed policy only writes its logs.',
    },
    {
      id: 'AwsSolutions-L1',
      reason: 'CDK pins the runtime of its AwsCustomResource provider; it runs one SDK call at deploy time.',
    },
  );
}
