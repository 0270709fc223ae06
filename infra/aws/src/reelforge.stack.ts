// Everything Reelforge runs on, but the image repositories: buckets and CDN, network, database, Kafka, the ECS
// cluster with the transcoder task and the four services, and the outputs an operator (or a local dispatcher) needs.
import { transcoderReportTopics } from '@reelforge/contracts';
import { CfnOutput, Fn, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type SubnetSelection, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { Cluster, ContainerInsights, Secret as EcsSecret } from 'aws-cdk-lib/aws-ecs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ApiEndpoint } from './api-endpoint.construct.js';
import { Cache } from './cache.construct.js';
import { Cdn } from './cdn.construct.js';
import { DATABASE_NAME, Database } from './database.construct.js';
import { Kafka } from './kafka.construct.js';
import type { LauncherEnv } from './launcher.env.js';
import { Network } from './network.construct.js';
import { type ImageName, pascalCase, repositoryName } from './registry.stack.js';
import { grantObjects, type ObjectAccess } from './s3.access.js';
import { ReelforgeService } from './service.construct.js';
import { type DeploySettings, ephemeralStorageGiB, transcoderImageTagOf, transcoderSizes } from './settings.js';
import { Storage } from './storage.construct.js';
import { TRANSCODER_CONTAINER, Transcoder } from './transcoder.construct.js';
import { WebSite } from './web-site.construct.js';

export type ServiceName = Exclude<ImageName, 'transcoder'>;

const GiB = 1024 ** 3;

/** Where each service answers /healthz: upload-api's HTTP port and the consumers' ops ports (their env defaults). */
export const healthPorts: Record<ServiceName, number> = {
  'upload-api': 8080,
  dispatcher: 9401,
  completion: 9402,
  notifier: 9404,
  'engagement-metrics': 9405,
};

/** What each service may do to objects (the transcoder's access is fixed in its construct). */
const objectAccess: Record<ServiceName, { raw: ObjectAccess[]; processed: ObjectAccess[] }> = {
  // Streams or presigns uploads (multipart), aborts abandoned ones and deletes sources; presigns rendition reads
  // when there is no CDN and deletes a video's renditions; HeadBucket on both for readiness.
  'upload-api': { raw: ['read', 'list', 'write', 'delete'], processed: ['read', 'list', 'delete'] },
  // Names the buckets in each job spec but never touches an object.
  dispatcher: { raw: [], processed: [] },
  // Deletes what a transcoder wrote for an attempt that can never be shown (video deleted, attempt superseded).
  completion: { raw: [], processed: ['list', 'delete'] },
  // Reads rows and calls receivers; its ready payloads link to the CDN, never to the buckets.
  notifier: { raw: [], processed: [] },
  // Reads engagement.events into metrics; no object, no database.
  'engagement-metrics': { raw: [], processed: [] },
};

export interface ReelforgeStackProps extends StackProps {
  settings: DeploySettings;
}

export class ReelforgeStack extends Stack {
  /** The dispatcher's ECS launcher env; also exported as outputs described by their variable names. */
  readonly launcherEnv: LauncherEnv;
  readonly services: Record<ServiceName, ReelforgeService>;
  readonly transcoder: Transcoder;
  readonly storage: Storage;
  readonly cdn: Cdn;
  readonly network: Network;
  readonly database: Database;
  readonly cluster: Cluster;
  readonly api: ApiEndpoint;
  readonly site: WebSite;

  constructor(scope: Construct, id: string, props: ReelforgeStackProps) {
    super(scope, id, props);
    const s = props.settings;
    const removalPolicy = s.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = s.logRetentionDays as RetentionDays;
    const tasks: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
    const repository = (image: ImageName) =>
      Repository.fromRepositoryName(this, `${pascalCase(image)}Repository`, repositoryName(s.prefix, image));

    const storage = new Storage(this, 'Storage', {
      rawArchiveAfterDays: s.rawArchiveAfterDays,
      logRetentionDays: s.logRetentionDays,
      uploadCorsOrigins: s.uploadCorsOrigins,
      removalPolicy,
    });
    const cdn = new Cdn(this, 'Cdn', {
      processed: storage.processed,
      logs: storage.logs,
      domainName: s.cdnDomainName,
      certificateArn: s.cdnCertificateArn,
    });
    const network = new Network(this, 'Network', {
      natGateways: s.natGateways,
      flowLogBucket: storage.logs,
    });
    const { vpc } = network;
    const database = new Database(this, 'Database', {
      vpc,
      prefix: s.prefix,
      instanceClass: s.dbInstanceClass,
      allocatedStorageGiB: s.dbAllocatedStorageGiB,
      multiAz: s.dbMultiAz,
      backupRetentionDays: s.dbBackupRetentionDays,
      retainData: s.retainData,
    });
    const cache = new Cache(this, 'Cache', {
      vpc,
      prefix: s.prefix,
      nodeType: s.cacheNodeType,
      multiAz: s.cacheMultiAz,
    });
    const kafka = new Kafka(this, 'Kafka', {
      vpc,
      prefix: s.prefix,
      brokers: s.kafkaBrokers,
      ssl: s.kafkaSsl,
      sasl: s.kafkaSasl,
      clusterArn: s.kafkaClusterArn,
    });
    const cluster = new Cluster(this, 'Cluster', {
      vpc,
      clusterName: s.prefix,
      containerInsightsV2: ContainerInsights.ENABLED,
    });

    const maxInputBytes = String(s.maxInputGiB * GiB);
    const runtime = { NODE_ENV: 'production', AWS_REGION: this.region, ...kafka.env };
    const buckets = { RAW_BUCKET: storage.raw.bucketName, PROCESSED_BUCKET: storage.processed.bucketName };

    const size = transcoderSizes[s.transcoderSize];
    this.transcoder = new Transcoder(this, 'Transcoder', {
      vpc,
      subnets: tasks,
      cluster,
      family: `${s.prefix}-transcoder`,
      repository: repository('transcoder'),
      imageTag: transcoderImageTagOf(s),
      cpu: size.cpu,
      memoryMiB: size.memoryMiB,
      ephemeralStorageGiB: ephemeralStorageGiB(s.maxInputGiB),
      raw: storage.raw,
      processed: storage.processed,
      // The buckets come with each job (JOB_SPEC); the input limit matches what the API accepts.
      environment: { ...runtime, MAX_INPUT_BYTES: maxInputBytes },
      logRetention,
      removalPolicy,
    });
    network.allowEndpointsFrom(this.transcoder.securityGroup);
    kafka.allowFrom(this.transcoder.securityGroup);
    // Its reports only: a task cannot read anyone's messages nor publish anything but a transcoder's reports.
    kafka.grantProducer(this.transcoder.taskDefinition.taskRole, transcoderReportTopics);

    this.launcherEnv = {
      ECS_CLUSTER: cluster.clusterName,
      // Pinned to the deployed revision: a new transcoder image is a new revision and redeploys the dispatcher.
      ECS_TASK_DEFINITION: this.transcoder.taskDefinition.taskDefinitionArn,
      ECS_CONTAINER_NAME: TRANSCODER_CONTAINER,
      ECS_SUBNETS: Fn.join(',', vpc.selectSubnets(tasks).subnetIds),
      ECS_SECURITY_GROUPS: this.transcoder.securityGroup.securityGroupId,
      ECS_ASSIGN_PUBLIC_IP: 'false',
      ECS_TASK_ACCESS_ROLE_ARN: this.transcoder.accessRole.roleArn,
    };

    const jwtSecret = new Secret(this, 'JwtSecret', {
      secretName: `${s.prefix}/jwt`,
      description: 'JWT_SECRET of upload-api',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    // Signs private videos' playback tokens; upload-api copies it into the CDN's access store for the edge function.
    const playbackSecret = new Secret(this, 'PlaybackSecret', {
      secretName: `${s.prefix}/playback`,
      description: 'PLAYBACK_TOKEN_SECRETS of upload-api',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(playbackSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotated by hand: put the new secret first and the old one second (comma-separated) for a token lifetime (docs/deploy-aws.md).',
    });
    // Signs playback session tokens; the events ingest verifies them with the same secret.
    const sessionSecret = new Secret(this, 'PlaybackSessionSecret', {
      secretName: `${s.prefix}/playback-session`,
      description: 'PLAYBACK_SESSION_SECRETS of upload-api and events-ingest',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(sessionSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotated by hand like the playback secret: new first, old second, for a session lifetime.',
    });
    Validations.of(jwtSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the signing key signs every user out; it is rotated by hand with a redeploy (docs/deploy-aws.md).',
    });

    interface ServiceSpec {
      cpu: number;
      memoryMiB: number;
      desiredCount: number;
      env: Record<string, string>;
      secrets?: Record<string, EcsSecret>;
      /** Whether it gets the database's secrets and network path (default true). */
      database?: boolean;
    }
    const specs: Record<ServiceName, ServiceSpec> = {
      'upload-api': {
        cpu: 512,
        memoryMiB: 1024,
        desiredCount: s.apiDesiredCount,
        env: {
          CDN_BASE_URL: cdn.baseUrl,
          CDN_ACCESS_STORE_ARN: cdn.accessStore.keyValueStoreArn,
          CDN_DISTRIBUTION_ID: cdn.distribution.distributionId,
          REDIS_URL: cache.url,
          MAX_UPLOAD_BYTES: maxInputBytes,
          // The ALB appends the client's address to X-Forwarded-For.
          TRUST_PROXY_HOPS: '1',
          // docker/entrypoint.mjs migrates the schema before the API starts (the migrator locks; replicas wait).
          MIGRATE_ON_START: 'true',
        },
        secrets: {
          JWT_SECRET: EcsSecret.fromSecretsManager(jwtSecret),
          PLAYBACK_TOKEN_SECRETS: EcsSecret.fromSecretsManager(playbackSecret),
          PLAYBACK_SESSION_SECRETS: EcsSecret.fromSecretsManager(sessionSecret),
        },
      },
      dispatcher: {
        cpu: 256,
        memoryMiB: 512,
        desiredCount: s.dispatcherDesiredCount,
        // The transcoder's size, which each job records for the cost its owner sees.
        env: { ...this.launcherEnv, TASK_CPU: String(size.cpu), TASK_MEMORY_MIB: String(size.memoryMiB) },
      },
      completion: { cpu: 256, memoryMiB: 512, desiredCount: s.completionDesiredCount, env: {} },
      // Calls users' webhook URLs through the NAT; its address policy refuses every private and metadata address
      // (WEBHOOK_ALLOW_PRIVATE_TARGETS is left unset here), so the VPC's own endpoints are out of its reach.
      notifier: {
        cpu: 256,
        memoryMiB: 512,
        desiredCount: s.notifierDesiredCount,
        env: { CDN_BASE_URL: cdn.baseUrl },
      },
      // The observability consumer: counters of one consumer group; one task reads every partition.
      'engagement-metrics': { cpu: 256, memoryMiB: 512, desiredCount: 1, env: {}, database: false },
    };
    const build = (name: ServiceName) => {
      const spec = specs[name];
      const service = new ReelforgeService(this, pascalCase(name), {
        cluster,
        subnets: tasks,
        repository: repository(name),
        imageTag: s.imageTag,
        cpu: spec.cpu,
        memoryMiB: spec.memoryMiB,
        desiredCount: spec.desiredCount,
        healthPort: healthPorts[name],
        environment: {
          ...runtime,
          ...buckets,
          ...(spec.database === false ? {} : { MYSQL_DATABASE: DATABASE_NAME }),
          ...spec.env,
        },
        secrets: { ...(spec.database === false ? {} : database.containerSecrets()), ...spec.secrets },
        logRetention,
        removalPolicy,
      });
      const role = service.taskDefinition.taskRole;
      grantObjects(role, storage.raw, ...objectAccess[name].raw);
      grantObjects(role, storage.processed, ...objectAccess[name].processed);
      network.allowEndpointsFrom(service.service);
      if (spec.database !== false) database.allowFrom(service.service);
      kafka.allowFrom(service.service);
      kafka.grantClient(role);
      return service;
    };
    this.services = {
      'upload-api': build('upload-api'),
      dispatcher: build('dispatcher'),
      completion: build('completion'),
      notifier: build('notifier'),
      'engagement-metrics': build('engagement-metrics'),
    };
    this.transcoder.grantLaunch(this.services.dispatcher.taskDefinition.taskRole);
    cdn.grantAccessWriter(this.services['upload-api'].taskDefinition.taskRole);
    cache.allowFrom(this.services['upload-api'].service);

    const api = new ApiEndpoint(this, 'Api', {
      vpc,
      service: this.services['upload-api'].service,
      port: healthPorts['upload-api'],
      logs: storage.logs,
      certificateArn: s.apiCertificateArn,
    });

    // `video.ready` payloads link to the video resource in the API.
    this.services.notifier.taskDefinition.defaultContainer?.addEnvironment('API_BASE_URL', api.url);

    const site = new WebSite(this, 'Web', {
      api: api.loadBalancer,
      apiHttps: s.apiCertificateArn !== undefined,
      uploads: storage.raw,
      logs: storage.logs,
      removalPolicy,
    });

    this.storage = storage;
    this.cdn = cdn;
    this.site = site;
    this.network = network;
    this.database = database;
    this.cluster = cluster;
    this.api = api;

    new CfnOutput(this, 'ApiUrl', { value: api.url });
    new CfnOutput(this, 'WebUrl', { value: site.url, description: 'the web app (and /v1/* to the API)' });
    new CfnOutput(this, 'CdnBaseUrl', { value: cdn.baseUrl, description: 'CDN_BASE_URL' });
    new CfnOutput(this, 'RawBucketName', { value: storage.raw.bucketName, description: 'RAW_BUCKET' });
    new CfnOutput(this, 'ProcessedBucketName', {
      value: storage.processed.bucketName,
      description: 'PROCESSED_BUCKET',
    });
    new CfnOutput(this, 'KafkaBrokers', { value: kafka.env.KAFKA_BROKERS ?? '', description: 'KAFKA_BROKERS' });
    new CfnOutput(this, 'DatabaseSecretArn', { value: database.secret.secretArn });
    // What is running, to repeat in the next deploy's -c when only one side changes.
    new CfnOutput(this, 'ImageTag', { value: s.imageTag });
    new CfnOutput(this, 'TranscoderImageTag', { value: transcoderImageTagOf(s) });
    for (const [key, value] of Object.entries(this.launcherEnv)) {
      new CfnOutput(this, pascalCase(key), { value, description: key });
    }
  }
}
