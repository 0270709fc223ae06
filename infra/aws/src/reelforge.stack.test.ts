import { randomUUID } from 'node:crypto';
import { sourceKey } from '@reelforge/storage';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mysqlUrlFromEnv } from '../../../docker/entrypoint.mjs';
import { HEALTH_CHECK_PATH } from './api-endpoint.construct.js';
import { healthPorts } from './reelforge.stack.js';
import {
  arnOf,
  containerEnv,
  containerOf,
  containerSecrets,
  list,
  logicalId,
  propertiesOf,
  ref,
  type Statement,
  type Synth,
  statementsOfRole,
  synth,
} from './testing/synth.js';

let s: Synth;
/** Non-default context, one synth for every test that checks a setting is honoured. */
let custom: Synth;
beforeAll(() => {
  s = synth();
  custom = synth({
    rawArchiveAfterDays: '90',
    transcoderSize: 'large',
    maxInputGiB: 50,
    kafkaBrokers: 'b-1.example:9092,b-2.example:9092',
  });
});

const resources = (type: string) => Object.entries(s.json.Resources).filter(([, r]) => r.Type === type);
const objectsOf = (bucketId: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] });
const s3Statements = (statements: Statement[]) =>
  statements.filter((st) => list(st.Action).some((a) => a.startsWith('s3:')));
/** [action, resource] pairs, sorted, so a statement regrouping does not matter but any extra grant does. */
const grants = (statements: Statement[]) =>
  statements
    .flatMap((st) => list(st.Action).flatMap((a) => list(st.Resource).map((r) => `${a} ${JSON.stringify(r)}`)))
    .sort();

describe('buckets', () => {
  it('are four (logs, raw, processed, the web site), each blocking public access, encrypted and refusing plain HTTP', () => {
    const buckets = resources('AWS::S3::Bucket');
    expect(buckets.map(([id]) => id).sort()).toEqual(
      [s.stack.storage.logs, s.stack.storage.processed, s.stack.storage.raw, s.stack.site.bucket].map(logicalId).sort(),
    );
    const policies = resources('AWS::S3::BucketPolicy').map(([, p]) => p.Properties);
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      const policy = policies.find((p) => JSON.stringify(p.Bucket) === JSON.stringify({ Ref: id })) ?? {};
      expect((policy.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('raw: aborts incomplete multipart uploads after a day and archives sources to Glacier after 30 days', () => {
    const rules = (propertiesOf(s.json, s.stack.storage.raw).LifecycleConfiguration as { Rules: unknown[] }).Rules;
    expect(rules).toEqual([
      {
        Id: 'abort-incomplete-multipart',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      },
      {
        Id: 'archive-sources',
        Prefix: 'sources/',
        Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 30 }],
        Status: 'Enabled',
      },
    ]);
    // The archived prefix is where upload-api actually puts originals.
    expect(sourceKey(randomUUID()).startsWith('sources/')).toBe(true);
  });

  it('processed: aborts incomplete multipart uploads after a day, archives nothing', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [{ Id: 'abort-incomplete-multipart', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
      },
      LoggingConfiguration: { LogFilePrefix: 's3/processed/' },
    });
  });

  it('the archive age comes from context', () => {
    custom.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 90 }] }),
        ]),
      },
    });
  });
});

describe('CDN', () => {
  it('reads the processed bucket through origin access control, and upload-api links to it', () => {
    const config = propertiesOf(s.json, s.stack.cdn.distribution).DistributionConfig as {
      Origins: Record<string, unknown>[];
    };
    expect(config.Origins).toHaveLength(1);
    expect(config.Origins[0]).toMatchObject({
      DomainName: { 'Fn::GetAtt': [logicalId(s.stack.storage.processed), 'RegionalDomainName'] },
      OriginAccessControlId: { 'Fn::GetAtt': [expect.any(String), 'Id'] },
      S3OriginConfig: { OriginAccessIdentity: '' },
    });
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(s.stack.storage.processed),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    expect(containerEnv(s.json, s.stack.services['upload-api'].taskDefinition).CDN_BASE_URL).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(s.stack.cdn.distribution), 'DomainName'] }]],
    });
  });
});

describe('web site', () => {
  it('serves the built app from its bucket through origin access control and /v1/* from the API, uncached', () => {
    const config = propertiesOf(s.json, s.stack.site.distribution).DistributionConfig as {
      Origins: { Id: string; DomainName: unknown; CustomOriginConfig?: { OriginProtocolPolicy: string } }[];
      DefaultRootObject: string;
      DefaultCacheBehavior: { TargetOriginId: string; FunctionAssociations: unknown[] };
      CacheBehaviors: {
        PathPattern: string;
        TargetOriginId: string;
        AllowedMethods: string[];
        CachePolicyId: string;
      }[];
    };
    const site = config.Origins.find((o) => o.Id === config.DefaultCacheBehavior.TargetOriginId);
    expect(site).toMatchObject({
      DomainName: { 'Fn::GetAtt': [logicalId(s.stack.site.bucket), 'RegionalDomainName'] },
      OriginAccessControlId: { 'Fn::GetAtt': [expect.any(String), 'Id'] },
    });
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toHaveLength(1);
    expect(config.CacheBehaviors).toHaveLength(1);
    const v1 = config.CacheBehaviors[0];
    expect(v1).toMatchObject({ PathPattern: '/v1/*', CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad' });
    expect(v1?.AllowedMethods.sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    expect(config.Origins.find((o) => o.Id === v1?.TargetOriginId)).toMatchObject({
      DomainName: { 'Fn::GetAtt': [logicalId(s.stack.api.loadBalancer), 'DNSName'] },
      CustomOriginConfig: { OriginProtocolPolicy: 'http-only' },
    });
    expect(s.json.Outputs.WebUrl?.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(s.stack.site.distribution), 'DomainName'] }]],
    });
  });

  it('deploys the built files into the site bucket, and the raw bucket takes part PUTs from CloudFront sites', () => {
    s.template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: ref(s.stack.site.bucket),
      DistributionPaths: ['/index.html'],
      Prune: true,
    });
    const cors = propertiesOf(s.json, s.stack.storage.raw).CorsConfiguration as { CorsRules: unknown[] };
    expect(cors.CorsRules).toContainEqual(
      expect.objectContaining({ AllowedMethods: ['PUT'], AllowedOrigins: ['https://*.cloudfront.net'] }),
    );
    // The deployment function writes the site bucket and no other of ours.
    const deployer = JSON.stringify(ref(s.stack.site.deployerRole));
    const written = resources('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles ?? []).includes(deployer))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((st) => list(st.Action).some((a) => a.startsWith('s3:Put') || a.startsWith('s3:DeleteObject')))
      .flatMap((st) => list(st.Resource).map((r) => JSON.stringify(r)));
    expect(written.length).toBeGreaterThan(0);
    for (const bucket of [s.stack.storage.raw, s.stack.storage.processed, s.stack.storage.logs]) {
      expect(written.some((r) => r.includes(logicalId(bucket)))).toBe(false);
    }
  });
});

describe('playback access at the edge', () => {
  it('runs the token-checking CloudFront Function on every viewer request, with the access store attached', () => {
    const config = propertiesOf(s.json, s.stack.cdn.distribution).DistributionConfig as {
      DefaultCacheBehavior: { FunctionAssociations: { EventType: string; FunctionARN: unknown }[] };
    };
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [expect.any(String), 'FunctionARN'] } },
    ]);
    // The other function is the web site's (page paths to index.html).
    const functions = resources('AWS::CloudFront::Function').filter(([, f]) =>
      JSON.stringify(f.Properties.FunctionConfig).includes('KeyValueStoreAssociations'),
    );
    expect(functions).toHaveLength(1);
    const props = functions[0]?.[1].Properties ?? {};
    expect(props.FunctionConfig).toMatchObject({
      Runtime: 'cloudfront-js-2.0',
      KeyValueStoreAssociations: [{ KeyValueStoreARN: { 'Fn::GetAtt': [logicalId(s.stack.cdn.accessStore), 'Arn'] } }],
    });
    expect(props.FunctionCode).toContain('TOKEN_PATH');
  });

  it('upload-api may write the access store and invalidate the CDN; no other service may', () => {
    const kvsActions = (role: IConstruct) =>
      statementsOfRole(s.json, role)
        .flatMap((st) => [st.Action].flat())
        .filter((a) => String(a).startsWith('cloudfront'));
    expect(kvsActions(s.stack.services['upload-api'].taskDefinition.taskRole).sort()).toEqual([
      'cloudfront-keyvaluestore:DeleteKey',
      'cloudfront-keyvaluestore:DescribeKeyValueStore',
      'cloudfront-keyvaluestore:GetKey',
      'cloudfront-keyvaluestore:PutKey',
      'cloudfront:CreateInvalidation',
    ]);
    expect(kvsActions(s.stack.services.dispatcher.taskDefinition.taskRole)).toEqual([]);
    expect(kvsActions(s.stack.transcoder.taskDefinition.taskRole)).toEqual([]);
    expect(containerSecrets(s.json, s.stack.services['upload-api'].taskDefinition)).toHaveProperty(
      'PLAYBACK_TOKEN_SECRETS',
    );
  });
});

describe('permissions', () => {
  it('the transcoder task role has no S3 access; its per-job access role has, and only the dispatcher may assume it', () => {
    const { transcoder } = s.stack;
    expect(s3Statements(statementsOfRole(s.json, transcoder.taskDefinition.taskRole))).toEqual([]);
    expect(statementsOfRole(s.json, transcoder.taskDefinition.taskRole).flatMap((st) => list(st.Action))).not.toContain(
      'sts:AssumeRole',
    );

    const raw = logicalId(s.stack.storage.raw);
    const processed = logicalId(s.stack.storage.processed);
    // The ceiling of every job's session; the session policy (task-access.policy.ts) narrows it to one job.
    expect(grants(s3Statements(statementsOfRole(s.json, transcoder.accessRole)))).toEqual(
      [
        `s3:GetObject ${JSON.stringify(objectsOf(raw))}`,
        `s3:ListBucket ${JSON.stringify({ 'Fn::GetAtt': [raw, 'Arn'] })}`,
        `s3:GetObject ${JSON.stringify(objectsOf(processed))}`,
        `s3:PutObject ${JSON.stringify(objectsOf(processed))}`,
        `s3:AbortMultipartUpload ${JSON.stringify(objectsOf(processed))}`,
        `s3:ListMultipartUploadParts ${JSON.stringify(objectsOf(processed))}`,
        `s3:DeleteObject ${JSON.stringify(objectsOf(processed))}`,
        `s3:ListBucket ${JSON.stringify({ 'Fn::GetAtt': [processed, 'Arn'] })}`,
      ].sort(),
    );
    const dispatcherRole = s.stack.services.dispatcher.taskDefinition.taskRole;
    expect(propertiesOf(s.json, transcoder.accessRole).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: arnOf(dispatcherRole) } }],
    });
    expect(propertiesOf(s.json, transcoder.accessRole).MaxSessionDuration).toBe(3600);
    // Which role, the dispatcher learns from its environment.
    expect(containerEnv(s.json, s.stack.services.dispatcher.taskDefinition).ECS_TASK_ACCESS_ROLE_ARN).toEqual(
      arnOf(transcoder.accessRole),
    );
    // And the transcoder's size (medium by default; large in the custom synth), which each job records for its cost.
    expect(containerEnv(s.json, s.stack.services.dispatcher.taskDefinition)).toMatchObject({
      TASK_CPU: '2048',
      TASK_MEMORY_MIB: '4096',
    });
    expect(containerEnv(custom.json, custom.stack.services.dispatcher.taskDefinition)).toMatchObject({
      TASK_CPU: '4096',
      TASK_MEMORY_MIB: '8192',
    });
    const assumers = resources('AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.some((st) =>
        list(st.Action).includes('sts:AssumeRole'),
      ),
    );
    expect(assumers.map(([id]) => id)).toEqual([logicalId(dispatcherRole.node.findChild('DefaultPolicy'))]);
  });

  it('the transcoder task role may write its report topics on MSK and nothing else there', () => {
    const statements = statementsOfRole(s.json, s.stack.transcoder.taskDefinition.taskRole).filter((st) =>
      list(st.Action).some((a) => a.startsWith('kafka-cluster:')),
    );
    const topicArn = (topic: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':kafka:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:topic/reelforge-kafka/*/${topic}`,
        ],
      ],
    });
    const cluster = logicalId(s.stack.node.findChild('Kafka').node.findChild('Cluster'));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'],
        Resource: { 'Fn::GetAtt': [cluster, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        Resource: [
          topicArn('video.transcode-started'),
          topicArn('video.transcode-progress'),
          topicArn('video.transcoded'),
          topicArn('video.transcode-failed'),
          topicArn('video.chunk-transcoded'),
          topicArn('video.chunk-failed'),
        ],
      },
    ]);
  });

  it('no IAM policy allows a wildcard S3 action, and S3 grants name only the two buckets', () => {
    const bucketArns = [s.stack.storage.raw, s.stack.storage.processed].flatMap((b) => [
      JSON.stringify(arnOf(b)),
      JSON.stringify(objectsOf(logicalId(b))),
    ]);
    // CDK's deployment function (the web site's files) is checked in its own test.
    const deployer = JSON.stringify(ref(s.stack.site.deployerRole));
    const statements = resources('AWS::IAM::Policy')
      .filter(([, p]) => !JSON.stringify(p.Properties.Roles ?? []).includes(deployer))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const s3 = s3Statements(statements);
    expect(s3.length).toBeGreaterThan(0);
    for (const st of s3) {
      expect(st.Effect).toBe('Allow');
      for (const action of list(st.Action)) expect(action).not.toContain('*');
      for (const resource of list(st.Resource)) expect(bucketArns).toContain(JSON.stringify(resource));
    }
  });

  it('the dispatcher may run only the transcoder family in its cluster and pass only its two roles', () => {
    const { transcoder, cluster } = s.stack;
    const dispatcherRole = s.stack.services.dispatcher.taskDefinition.taskRole;
    const inCluster = { ArnEquals: { 'ecs:cluster': arnOf(cluster) } };
    const statements = statementsOfRole(s.json, dispatcherRole).filter((st) =>
      list(st.Action).some((a) => a.startsWith('ecs:') || a.startsWith('iam:')),
    );
    const arn = (resource: unknown[]) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ecs:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ...resource,
        ],
      ],
    });
    const tasksOfCluster = arn([':task/', ref(cluster), '/*']);
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'ecs:RunTask',
        Resource: arn([':task-definition/reelforge-transcoder:*']),
        Condition: inCluster,
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [arnOf(transcoder.taskDefinition.taskRole), arnOf(transcoder.executionRole)],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      {
        Effect: 'Allow',
        Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
        Resource: tasksOfCluster,
        Condition: inCluster,
      },
      {
        Effect: 'Allow',
        Action: 'ecs:TagResource',
        Resource: tasksOfCluster,
        Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      },
    ]);
    // The family named in RunTask's ARN is the transcoder's.
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', { Family: 'reelforge-transcoder' });
  });

  it('no other role may run tasks or pass roles', () => {
    const dispatcherPolicy = logicalId(
      s.stack.services.dispatcher.taskDefinition.taskRole.node.findChild('DefaultPolicy'),
    );
    for (const [id, policy] of resources('AWS::IAM::Policy')) {
      if (id === dispatcherPolicy) continue;
      const actions = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap((st) =>
        list(st.Action),
      );
      expect(actions.filter((a) => ['ecs:RunTask', 'iam:PassRole', 'ecs:StopTask'].includes(a))).toEqual([]);
    }
  });
});

describe('ECS', () => {
  it('runs every service task in the private subnets without a public address', () => {
    const privateSubnets = s.stack.network.vpc.privateSubnets.map(ref);
    expect(privateSubnets).toHaveLength(2);
    const services = resources('AWS::ECS::Service');
    expect(services).toHaveLength(5);
    for (const [, service] of services) {
      expect(service.Properties.NetworkConfiguration).toEqual({
        AwsvpcConfiguration: { AssignPublicIp: 'DISABLED', SecurityGroups: expect.any(Array), Subnets: privateSubnets },
      });
      expect(service.Properties.DeploymentConfiguration).toMatchObject({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      });
    }
    // Transcodes are launched by the dispatcher into the same subnets.
    const env = containerEnv(s.json, s.stack.services.dispatcher.taskDefinition);
    expect(env.ECS_SUBNETS).toEqual({ 'Fn::Join': [',', privateSubnets] });
    expect(env.ECS_ASSIGN_PUBLIC_IP).toBe('false');
  });

  it('runs the notifier with its links, no bucket access and no private targets allowed', () => {
    const env = containerEnv(s.json, s.stack.services.notifier.taskDefinition);
    expect(env.CDN_BASE_URL).toBeDefined();
    expect(env.API_BASE_URL).toBeDefined();
    expect(env.WEBHOOK_ALLOW_PRIVATE_TARGETS).toBeUndefined();
    const role = s.stack.services.notifier.taskDefinition.taskRole;
    const policies = resources('AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(ref(role))),
    );
    const actions = policies.flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (st) => st.Action,
      ),
    );
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual([]);
  });

  it('sizes the transcoder from context: CPU and memory of its size, disk for the largest input, logs', () => {
    expect(propertiesOf(s.json, s.stack.transcoder.taskDefinition)).toMatchObject({
      Family: 'reelforge-transcoder',
      Cpu: '2048',
      Memory: '4096',
      EphemeralStorage: { SizeInGiB: 61 },
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
    });
    expect(containerOf(s.json, s.stack.transcoder.taskDefinition)).toMatchObject({
      Name: 'transcoder',
      LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-stream-prefix': 'task' } },
      StopTimeout: 120,
    });
    expect(containerEnv(s.json, s.stack.transcoder.taskDefinition).MAX_INPUT_BYTES).toBe(String(20 * 1024 ** 3));
    expect(containerEnv(s.json, s.stack.services['upload-api'].taskDefinition).MAX_UPLOAD_BYTES).toBe(
      String(20 * 1024 ** 3),
    );
    s.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });

    custom.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'reelforge-transcoder',
      Cpu: '4096',
      Memory: '8192',
      EphemeralStorage: { SizeInGiB: 151 },
    });
  });

  it('gives upload-api (alone) a TLS Valkey cache in the isolated subnets, as REDIS_URL', () => {
    s.template.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 1);
    s.template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      CacheNodeType: 'cache.t4g.micro',
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
    });
    const [groupId] = Object.keys(s.template.findResources('AWS::ElastiCache::ReplicationGroup'));
    const env = (name: 'upload-api' | 'dispatcher' | 'completion') =>
      containerEnv(s.json, s.stack.services[name].taskDefinition);
    expect(JSON.stringify(env('upload-api').REDIS_URL)).toContain(`${groupId}`);
    expect(JSON.stringify(env('upload-api').REDIS_URL)).toContain('rediss://');
    expect(env('dispatcher').REDIS_URL).toBeUndefined();
    const ingress = Object.values(s.template.findResources('AWS::EC2::SecurityGroupIngress')).filter(
      (r) => r.Properties.FromPort === 6379,
    );
    expect(ingress).toHaveLength(1);
  });

  it('puts upload-api behind the ALB, health-checked on /healthz of its port', () => {
    expect(HEALTH_CHECK_PATH).toBe('/healthz');
    s.template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8080,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/healthz',
      HealthCheckProtocol: 'HTTP',
      Matcher: { HttpCode: '200' },
    });
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
    s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
    s.template.hasResourceProperties('AWS::ECS::Service', {
      LoadBalancers: [{ ContainerName: 'app', ContainerPort: healthPorts['upload-api'] }],
    });
  });

  it('logs ALB access to the log bucket once the stack is synthesized for a region', () => {
    const attributes = (t: Synth) =>
      Object.values(t.template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))
        .flatMap((lb) => lb.Properties.LoadBalancerAttributes as { Key: string; Value: unknown }[])
        .filter((a) => a.Key.startsWith('access_logs.'));
    expect(attributes(s)).toEqual([]);
    const regional = synth({}, 'eu-west-1');
    expect(attributes(regional)).toEqual([
      { Key: 'access_logs.s3.enabled', Value: 'true' },
      { Key: 'access_logs.s3.bucket', Value: ref(regional.stack.storage.logs) },
      { Key: 'access_logs.s3.prefix', Value: 'alb' },
    ]);
  });

  it('checks each service container on its own health port', () => {
    for (const [name, service] of Object.entries(s.stack.services)) {
      expect(containerOf(s.json, service.taskDefinition).HealthCheck?.Command).toEqual([
        'CMD',
        'node',
        '/app/healthcheck.mjs',
        String(healthPorts[name as keyof typeof healthPorts]),
      ]);
    }
  });
});

describe('network, database and Kafka', () => {
  it('reaches S3 through a gateway endpoint and ECR and logs through interface endpoints', () => {
    const services = resources('AWS::EC2::VPCEndpoint').map(([, e]) => [
      e.Properties.VpcEndpointType,
      JSON.stringify(e.Properties.ServiceName),
    ]);
    expect(services).toHaveLength(4);
    expect(services).toContainEqual(['Gateway', expect.stringContaining('.s3')]);
    for (const name of ['.ecr.api', '.ecr.dkr', '.logs']) {
      expect(services).toContainEqual(['Interface', expect.stringContaining(name)]);
    }
  });

  it('gives each service the MySQL pieces the entrypoint turns into a MYSQL_URL the services accept', () => {
    const secretRef = ref(s.stack.database.secret);
    const { 'engagement-metrics': metrics, ...withDatabase } = s.stack.services;
    // The observability consumer reads Kafka only: no database secret, no MySQL in its environment.
    expect(containerSecrets(s.json, metrics.taskDefinition)).toEqual({});
    expect(containerEnv(s.json, metrics.taskDefinition).MYSQL_DATABASE).toBeUndefined();
    for (const service of Object.values(withDatabase)) {
      const secrets = containerSecrets(s.json, service.taskDefinition);
      for (const [name, key] of [
        ['MYSQL_HOST', 'host'],
        ['MYSQL_PORT', 'port'],
        ['MYSQL_USER', 'username'],
        ['MYSQL_PASSWORD', 'password'],
      ]) {
        expect(secrets[name as string]).toEqual({ 'Fn::Join': ['', [secretRef, `:${key}::`]] });
      }
      const env = containerEnv(s.json, service.taskDefinition);
      expect(env.MYSQL_DATABASE).toBe('reelforge');
      const sample = Object.fromEntries(Object.keys({ ...secrets, ...env }).map((k) => [k, `x-${k}`]));
      expect(mysqlUrlFromEnv({ ...sample, MYSQL_PORT: '3306' }).url).toBe(
        'mysql://x-MYSQL_USER:x-MYSQL_PASSWORD@x-MYSQL_HOST:3306/x-MYSQL_DATABASE',
      );
    }
    s.template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      EngineVersion: '8.4',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
    });
  });

  it('creates an MSK Serverless cluster with IAM auth and hands its brokers to every container', () => {
    s.template.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClusterName: 'reelforge-kafka',
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
    });
    const tasks = [s.stack.transcoder.taskDefinition, ...Object.values(s.stack.services).map((x) => x.taskDefinition)];
    for (const td of tasks) {
      expect(containerEnv(s.json, td)).toMatchObject({
        KAFKA_BROKERS: { 'Fn::GetAtt': [expect.any(String), 'BootstrapBrokerStringSaslIam'] },
        KAFKA_SSL: 'true',
        KAFKA_SASL: 'aws-msk-iam',
        KAFKA_REPLICATION_FACTOR: '3',
      });
    }
  });

  it('uses existing brokers instead when given, without creating a cluster', () => {
    custom.template.resourceCountIs('AWS::MSK::ServerlessCluster', 0);
    expect(containerEnv(custom.json, custom.stack.transcoder.taskDefinition)).toMatchObject({
      KAFKA_BROKERS: 'b-1.example:9092,b-2.example:9092',
      KAFKA_SSL: 'false',
      KAFKA_SASL: 'none',
    });
  });
});
