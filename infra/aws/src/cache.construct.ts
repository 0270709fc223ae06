// ElastiCache for Valkey (Redis-compatible) in the isolated subnets: the upload API's cache of hot reads. It holds
// nothing MySQL does not, so it keeps no snapshots; TLS in transit and encryption at rest are on all the same.
import { Validations } from 'aws-cdk-lib';
import { type IConnectable, Port, SecurityGroup, SubnetType, type Vpc } from 'aws-cdk-lib/aws-ec2';
import { CfnReplicationGroup, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';

const PORT = 6379;

export interface CacheProps {
  vpc: Vpc;
  prefix: string;
  /** A cache node type without the cache. prefix, e.g. t4g.micro. */
  nodeType: string;
  /** A replica in a second zone with automatic failover. */
  multiAz: boolean;
}

export class Cache extends Construct {
  readonly group: CfnReplicationGroup;
  private readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Valkey: reachable from the upload API only',
      allowAllOutbound: false,
    });
    const subnets = new CfnSubnetGroup(this, 'Subnets', {
      description: `${props.prefix} cache subnets`,
      subnetIds: props.vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });
    this.group = new CfnReplicationGroup(this, 'Group', {
      replicationGroupDescription: `${props.prefix} hot reads (feeds, public videos)`,
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: `cache.${props.nodeType}`,
      numCacheClusters: props.multiAz ? 2 : 1,
      automaticFailoverEnabled: props.multiAz,
      multiAzEnabled: props.multiAz,
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      port: PORT,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: 0,
    });
    Validations.of(this.group).acknowledge(
      {
        id: 'AwsSolutions-AEC5',
        reason:
          'The port is no secret worth hiding: only the upload API security group can reach the isolated subnets.',
      },
      {
        id: 'AwsSolutions-AEC6',
        reason:
          'No AUTH token: the security group admits the upload API tasks alone, traffic is TLS, and the cache holds ' +
          'only what anonymous readers may see (public videos and feed pages).',
      },
      ...(props.multiAz
        ? []
        : [
            {
              id: 'AwsSolutions-AEC4',
              reason: 'A lost cache node only costs misses; set -c cacheMultiAz=true to keep a replica.',
            },
          ]),
    );
  }

  /** REDIS_URL for the upload API: TLS, the primary endpoint (a failover moves it, not the name). */
  get url(): string {
    return `rediss://${this.group.attrPrimaryEndPointAddress}:${this.group.attrPrimaryEndPointPort}`;
  }

  allowFrom(peer: IConnectable): void {
    this.securityGroup.connections.allowFrom(peer, Port.tcp(PORT), 'Valkey from the upload API');
  }
}
