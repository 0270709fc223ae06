// RDS for MySQL 8.4 in the isolated subnets, its credentials generated into Secrets Manager. Containers get the
// pieces as ECS secrets and docker/entrypoint.mjs assembles MYSQL_URL from them at start.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IConnectable, InstanceType, SecurityGroup, SubnetType, type Vpc } from 'aws-cdk-lib/aws-ec2';
import { Secret as EcsSecret } from 'aws-cdk-lib/aws-ecs';
import {
  Credentials,
  DatabaseInstance,
  DatabaseInstanceEngine,
  MysqlEngineVersion,
  StorageType,
} from 'aws-cdk-lib/aws-rds';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export const DATABASE_NAME = 'reelforge';

export interface DatabaseProps {
  vpc: Vpc;
  prefix: string;
  instanceClass: string;
  allocatedStorageGiB: number;
  multiAz: boolean;
  backupRetentionDays: number;
  retainData: boolean;
}

export class Database extends Construct {
  readonly instance: DatabaseInstance;
  readonly secret: ISecret;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'MySQL: reachable from the Reelforge services only',
      allowAllOutbound: false,
    });
    this.instance = new DatabaseInstance(this, 'Instance', {
      engine: DatabaseInstanceEngine.mysql({ version: MysqlEngineVersion.of('8.4', '8.4') }),
      instanceType: new InstanceType(props.instanceClass),
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      credentials: Credentials.fromGeneratedSecret('reelforge', { secretName: `${props.prefix}/mysql` }),
      databaseName: DATABASE_NAME,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.allocatedStorageGiB * 5,
      storageType: StorageType.GP3,
      storageEncrypted: true,
      multiAz: props.multiAz,
      backupRetention: Duration.days(props.backupRetentionDays),
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
    });
    // fromGeneratedSecret always yields a secret; the type can't know.
    this.secret = this.instance.secret as ISecret;

    Validations.of(this.instance).acknowledge(
      {
        id: 'CloudFormation-Validate::E9006',
        reason:
          "Major version only, as CDK's own VER_8_0 does: RDS picks the minor and upgrades it, and a pinned minor " +
          'would make the next deploy try to downgrade.',
      },
      {
        id: 'AwsSolutions-RDS11',
        reason: 'The port is no secret worth hiding: only the services security groups can reach the isolated subnets.',
      },
      ...(props.multiAz
        ? []
        : [
            {
              id: 'AwsSolutions-RDS3',
              reason: 'Single-AZ keeps small deployments cheap; set -c dbMultiAz=true for production.',
            },
          ]),
      ...(props.retainData
        ? []
        : [
            { id: 'AwsSolutions-RDS10', reason: 'retainData=false is for throwaway stacks that must tear down fully.' },
          ]),
    );
    // On the instance: the secret it exposes is the attachment, not the secret resource the rule looks at.
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Services read the password once at start (docker/entrypoint.mjs); rotating it under running pools would break ' +
        'new connections until a redeploy, so rotation is an operator step (docs/deploy-aws.md).',
    });
  }

  allowFrom(peer: IConnectable): void {
    this.instance.connections.allowDefaultPortFrom(peer, 'MySQL from a service');
  }

  /** ECS secrets the entrypoint turns into MYSQL_URL; the JSON keys are those RDS writes into the secret. */
  containerSecrets(): Record<string, EcsSecret> {
    return {
      MYSQL_HOST: EcsSecret.fromSecretsManager(this.secret, 'host'),
      MYSQL_PORT: EcsSecret.fromSecretsManager(this.secret, 'port'),
      MYSQL_USER: EcsSecret.fromSecretsManager(this.secret, 'username'),
      MYSQL_PASSWORD: EcsSecret.fromSecretsManager(this.secret, 'password'),
    };
  }
}
