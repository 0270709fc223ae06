// The ECS Fargate launcher against moto's ECS API: what RunTask carries on the wire, what ECS records of it, and a
// task stopped without a result reaped into a retry.

import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AppError, TranscodeJobSpecV1 } from '@reelforge/contracts';
import { presignedSessionCredentials, SessionRequestError } from '@reelforge/storage';
import { stackEnv, uniqueName } from '@reelforge/testkit';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dispatcherMetrics } from './dispatcher.metrics.js';
import { createEcsClient, EcsFargateLauncher } from './ecs.launcher.js';
import type { EcsLaunchConfig } from './ecs.run-task.js';
import { taskSessionPolicy } from './task-access.policy.js';
import {
  dispatchService,
  openTestDb,
  outboxMessages,
  quietLogger,
  reaperService,
  type TestDb,
  uploadedVideo,
} from './testing/dispatch.fixtures.js';

let t: TestDb;
let ecs: ECSClient;
let config: EcsLaunchConfig;
let launcher: EcsFargateLauncher;
let endpoint: string;
let region: string;
/** The JSON bodies of RunTask requests as they left for the ECS endpoint. */
const runTaskBodies: Record<string, unknown>[] = [];

beforeAll(async () => {
  const env = await stackEnv();
  endpoint = process.env.ECS_ENDPOINT ?? env.S3_ENDPOINT ?? '';
  region = env.AWS_REGION;
  t = await openTestDb();
  const ec2 = new EC2Client({ region: env.AWS_REGION, endpoint });
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? []).flatMap((s) => s.SubnetId ?? []);
  const groups = ((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []).flatMap(
    (g) => g.GroupId ?? [],
  );
  ec2.destroy();

  ecs = createEcsClient({ region: env.AWS_REGION, endpoint });
  ecs.middlewareStack.add(
    (next, context) => async (args) => {
      const body = (args.request as { body?: unknown }).body;
      if (context.commandName === 'RunTaskCommand') {
        // The JSON protocol hands the serialized body over as bytes (or a string, depending on the SDK version).
        const text = typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);
        runTaskBodies.push(JSON.parse(text));
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRunTask' },
  );
  const cluster = uniqueName('rf-cluster');
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: uniqueName('rf-transcoder'),
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '2048',
      memory: '4096',
      containerDefinitions: [
        { name: 'transcoder', image: 'reelforge/transcoder:test', essential: true, cpu: 2048, memory: 4096 },
      ],
    }),
  );
  const taskDefinition = registered.taskDefinition?.taskDefinitionArn;
  if (!taskDefinition || subnets.length < 2 || groups.length < 1) throw new Error('moto gave no task definition/VPC');
  config = {
    cluster,
    taskDefinition,
    containerName: 'transcoder',
    subnets: subnets.slice(0, 2),
    securityGroups: groups.slice(0, 1),
    assignPublicIp: false,
  };
  launcher = new EcsFargateLauncher(ecs, config, quietLogger());
});

afterAll(async () => {
  ecs?.destroy();
  await t?.close();
});

const describeTask = async (taskArn: string) => {
  const out = await ecs.send(
    new DescribeTasksCommand({ cluster: config.cluster, tasks: [taskArn], include: ['TAGS'] }),
  );
  return out.tasks?.[0];
};

describe('EcsFargateLauncher on moto', () => {
  let videoId: string;
  let jobId: string;
  let taskArn: string;

  it('launches the job with one RunTask carrying its overrides, token, startedBy and tags', async () => {
    const message = await uploadedVideo(t);
    videoId = message.videoId;
    const service = dispatchService(t, { launcher });

    const outcome = await service.handleUploaded(message);
    if (outcome.result !== 'launched') throw new Error(`expected a launch, got ${outcome.result}`);
    jobId = outcome.jobId;
    taskArn = outcome.taskId;

    expect(taskArn).toMatch(new RegExp(`^arn:aws:ecs:us-east-1:\\d{12}:task/${config.cluster}/[0-9a-f-]{36}$`));
    expect(await t.jobs.findById(jobId)).toMatchObject({ status: 'running', launcher: 'ecs', taskId: taskArn });
    expect((await t.videos.findById(videoId))?.status).toBe('processing');

    const spec = {
      version: 1,
      videoId,
      attempt: 1,
      source: message.source,
      output: { bucket: 'processed', prefix: `videos/${videoId}/1/` },
      profile: 'default',
      part: { kind: 'whole' },
      chunking: { thresholdSec: 300, chunkSec: 60, maxChunks: 64 },
      jobToken: (await t.jobs.findById(jobId))?.jobToken,
    };
    const environment = [
      { name: 'JOB_SPEC', value: JSON.stringify(spec) },
      { name: 'VIDEO_ID', value: videoId },
      { name: 'ATTEMPT', value: '1' },
    ];
    const tags = [
      { key: 'reelforge:video-id', value: videoId },
      { key: 'reelforge:attempt', value: '1' },
    ];
    // On the wire: moto does not implement clientToken idempotency, so the request itself is checked.
    expect(runTaskBodies).toEqual([
      {
        cluster: config.cluster,
        taskDefinition: config.taskDefinition,
        launchType: 'FARGATE',
        count: 1,
        clientToken: `rf-${videoId}-a1`,
        startedBy: videoId,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: config.subnets,
            securityGroups: config.securityGroups,
            assignPublicIp: 'DISABLED',
          },
        },
        overrides: { containerOverrides: [{ name: 'transcoder', environment }] },
        tags,
      },
    ]);

    // What ECS (moto) recorded of the task.
    const task = await describeTask(taskArn);
    expect(task).toMatchObject({
      taskArn,
      taskDefinitionArn: config.taskDefinition,
      launchType: 'FARGATE',
      startedBy: videoId,
      overrides: { containerOverrides: [{ name: 'transcoder', environment }] },
      tags,
    });
    const eniSubnet = task?.attachments?.[0]?.details?.find((d) => d.name === 'subnetId')?.value;
    expect(eniSubnet).toBe(config.subnets[0]);
    expect(JSON.parse(task?.overrides?.containerOverrides?.[0]?.environment?.[0]?.value ?? '')).toEqual(spec);
  });

  it('does not call RunTask again for a redelivered message', async () => {
    const message = { ...(await t.videos.findById(videoId)) };
    const service = dispatchService(t, { launcher });
    const outcome = await service.handleUploaded({
      version: 1,
      videoId,
      attempt: 1,
      source: { bucket: message.sourceBucket ?? '', key: message.sourceKey ?? '' },
      bytes: 1000,
      sha256: message.sourceSha256 ?? '',
      contentType: 'video/mp4',
      ownerId: t.ownerId,
      uploadedAt: new Date().toISOString(),
    });
    expect(outcome.result).toBe('already-claimed');
    expect(runTaskBodies).toHaveLength(1);
  });

  it('reads the running task as running', async () => {
    expect(await launcher.describe([taskArn])).toEqual(new Map([[taskArn, { state: 'running' }]]));
  });

  it('reaps a task stopped without a result into a retry: a retryable transcode-failed in the outbox, the job lost', async () => {
    await ecs.send(
      new StopTaskCommand({ cluster: config.cluster, task: taskArn, reason: 'Task stopped by test (spot reclaimed)' }),
    );
    const reaper = reaperService(t, { launcher });

    const reaped = await reaper.reapOnce();

    // moto records no stop time (so no grace applies) and an exit code of 0 for its never-run container.
    const message = `task ${taskArn} stopped without a result (exit code 0; Task stopped by test (spot reclaimed))`;
    expect(reaped).toEqual([{ jobId, videoId, attempt: 1, code: 'TASK_LOST', message }]);
    expect(await t.jobs.findById(jobId)).toMatchObject({ status: 'lost', exitCode: 0, errorCode: 'TASK_LOST' });
    expect((await outboxMessages(t, 'video.transcode-failed')).filter((m) => m.videoId === videoId)).toEqual([
      {
        version: 1,
        videoId,
        attempt: 1,
        jobToken: (await t.jobs.findById(jobId))?.jobToken,
        code: 'TASK_LOST',
        message,
        retryable: true,
      },
    ]);
  });

  it('stops a task still running past its deadline and reports TRANSCODE_TIMEOUT', async () => {
    const message = await uploadedVideo(t);
    const service = dispatchService(t, {
      launcher,
      deadline: { factor: 1, startupSec: -1, defaultDurationSec: 0.001 },
    });
    const outcome = await service.handleUploaded(message);
    if (outcome.result !== 'launched') throw new Error(`expected a launch, got ${outcome.result}`);
    const reaper = reaperService(t, { launcher });
    expect((await reaper.reapOnce()).map((r) => [r.videoId, r.code])).toEqual([[message.videoId, 'TRANSCODE_TIMEOUT']]);
    const task = await describeTask(outcome.taskId);
    expect(task?.lastStatus).toBe('STOPPED');
    expect(task?.stoppedReason).toMatch(/^task arn:aws:ecs:.* still running at the deadline .*; stopped$/);
  });

  it('reports a refused launch (no such cluster) as a non-retryable failure through the outbox', async () => {
    const message = await uploadedVideo(t);
    const wrong = new EcsFargateLauncher(ecs, { ...config, cluster: uniqueName('no-such-cluster') }, quietLogger());
    const outcome = await dispatchService(t, { launcher: wrong }).handleUploaded(message);
    expect(outcome).toMatchObject({ result: 'launch-failed', code: 'BAD_REQUEST' });
    expect(
      (await outboxMessages(t, 'video.transcode-failed')).filter((m) => m.videoId === message.videoId),
    ).toMatchObject([
      {
        attempt: 1,
        code: 'BAD_REQUEST',
        retryable: false,
        message: expect.stringMatching(/^ECS RunTask failed: ClusterNotFoundException/),
      },
    ]);
  });
});

describe('a launch ECS has no capacity for', () => {
  it('waits pending with a backoff, spends no attempt, and launches on moto once there is room', async () => {
    const env = await stackEnv();
    // ECS on a full cluster: RunTask answers RESOURCE:CPU twice, then moto places the task.
    let refusals = 2;
    const client = createEcsClient({ region: env.AWS_REGION, endpoint: process.env.ECS_ENDPOINT ?? env.S3_ENDPOINT });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'RunTaskCommand' || refusals === 0) return next(args);
        refusals--;
        return {
          output: {
            tasks: [],
            failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:container-instance/x', reason: 'RESOURCE:CPU' }],
            $metadata: {},
          },
          response: {},
        };
      },
      { step: 'initialize', name: 'fullCluster' },
    );
    const full = new EcsFargateLauncher(client, config, quietLogger());
    const registry = new Registry();
    const service = dispatchService(t, { launcher: full, metrics: dispatcherMetrics(registry) });
    const message = await uploadedVideo(t);

    const first = await service.handleUploaded(message);
    expect(first.result).toBe('waiting');
    const job = await t.jobs.findByVideoAttempt(message.videoId, 1);
    expect(job).toMatchObject({ status: 'pending', capacityWaits: 1, launchToken: null, errorCode: null });
    expect(job?.launchAfter?.getTime()).toBeGreaterThan(Date.now() - 1000);
    expect((await t.videos.findById(message.videoId))?.status).toBe('queued');

    // The recovery pass takes it again once its wait is over: refused once more, then launched.
    await vi.waitFor(
      async () => {
        await service.recoverOnce();
        expect((await t.jobs.findByVideoAttempt(message.videoId, 1))?.status).toBe('running');
      },
      { timeout: 15_000, interval: 100 },
    );
    const launched = await t.jobs.findByVideoAttempt(message.videoId, 1);
    expect(launched).toMatchObject({ status: 'running', capacityWaits: 2, launchToken: `rf-${message.videoId}-a1-w2` });
    expect((await describeTask(launched?.taskId ?? ''))?.startedBy).toBe(message.videoId);
    expect(await t.jobs.findByVideoAttempt(message.videoId, 2)).toBeNull();
    expect(await t.videos.findById(message.videoId)).toMatchObject({ status: 'processing', attempt: 1 });
    // No failure reported for it: completion never saw a reason to retry or fail it.
    expect((await outboxMessages(t, 'video.transcode-failed')).filter((m) => m.videoId === message.videoId)).toEqual(
      [],
    );
    const waits = await registry.getSingleMetric('reelforge_launch_waits_total')?.get();
    expect(waits?.values).toEqual([{ labels: { reason: 'capacity' }, value: 2 }]);
    client.destroy();
  });
});

describe('EcsFargateLauncher with per-job sessions (moto STS)', () => {
  const roleArn = 'arn:aws:iam::123456789012:role/rf-transcoder-access';
  const request = (videoId: string, storageUntil = new Date(Date.now() + 3 * 3600_000)) => ({
    jobId: `job-${videoId}`,
    token: `rf-${videoId}-a1`,
    storageUntil,
    spec: TranscodeJobSpecV1.parse({
      version: 1,
      videoId,
      attempt: 1,
      source: { bucket: 'raw', key: `sources/${videoId}/original` },
      output: { bucket: 'processed', prefix: `videos/${videoId}/1/` },
      jobToken: 'd'.repeat(64),
    }),
  });
  /**
   * moto serves every service on one port and, for a request without an Authorization header, guesses the service
   * from the body, which a GET has none of. This header only routes the request to moto's STS (moto checks no
   * signature); the presigned URL goes unchanged, and AWS reads it alone.
   */
  const viaMoto: typeof fetch = (url, init) =>
    fetch(url, {
      ...init,
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=x/20260101/${region}/sts/aws4_request, Signature=0` },
    });
  const launchedSpec = (before: number) => {
    const body = runTaskBodies.slice(before).at(-1) as {
      overrides: { containerOverrides: { environment: { name: string; value: string }[] }[] };
    };
    const jobSpec = body.overrides.containerOverrides[0]?.environment.find((e) => e.name === 'JOB_SPEC')?.value;
    return TranscodeJobSpecV1.parse(JSON.parse(jobSpec ?? ''));
  };

  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands the task a presigned AssumeRole request that yields sessions of the access role, renewed as each ends', async () => {
    const sts = new STSClient({ region, endpoint });
    const withAccess = new EcsFargateLauncher(ecs, config, quietLogger(), { sts, roleArn });
    const videoId = crypto.randomUUID();
    const before = runTaskBodies.length;
    const req = request(videoId);

    await withAccess.launch(req);

    const spec = launchedSpec(before);
    expect(spec).toMatchObject({ videoId, jobToken: 'd'.repeat(64) });
    expect(spec.credentials).toBeUndefined();
    const session = spec.session ?? { assumeRoleUrl: '', expiresAt: '' };
    // Valid until the latest deadline (the emulator's static keys never expire), to the second.
    expect(req.storageUntil.getTime() - Date.parse(session.expiresAt)).toBeGreaterThanOrEqual(0);
    expect(req.storageUntil.getTime() - Date.parse(session.expiresAt)).toBeLessThan(1000);
    const params = new URL(session.assumeRoleUrl).searchParams;
    expect(Object.fromEntries(params)).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: roleArn,
      RoleSessionName: `rf-${videoId}-a1`,
      DurationSeconds: '3600',
      Policy: JSON.stringify(taskSessionPolicy(req.spec)),
      'X-Amz-SignedHeaders': 'host',
    });

    // The task side: its S3 client's credential provider, here behind an STS client that shows who it is.
    const keys: string[] = [];
    const provider = presignedSessionCredentials(session, { fetch: viaMoto });
    const asTask = new STSClient({
      region,
      endpoint,
      credentials: async () => {
        const c = await provider();
        keys.push(c.accessKeyId);
        return c;
      },
    });
    const assumed = `arn:aws:sts::123456789012:assumed-role/rf-transcoder-access/rf-${videoId}-a1`;
    expect((await asTask.send(new GetCallerIdentityCommand({}))).Arn).toBe(assumed);
    expect(keys).toHaveLength(1);
    expect((await asTask.send(new GetCallerIdentityCommand({}))).Arn).toBe(assumed);
    expect(keys).toHaveLength(1);

    // 56 minutes on, the hour-long session is within the SDK's refresh window: the next call gets a new one, which
    // works. (moto dates its sessions by its own clock, so from this advanced one each new session looks near its end
    // too and may be renewed again within the same call: more than one renewal is fine, none is the failure.)
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 56 * 60_000);
    expect((await asTask.send(new GetCallerIdentityCommand({}))).Arn).toBe(assumed);
    expect(keys.length).toBeGreaterThan(1);
    expect(new Set(keys).size).toBe(keys.length);

    // Past the request's own end the task asks STS nothing and fails for good.
    vi.setSystemTime(Date.parse(session.expiresAt) + 1000);
    const err = await provider().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionRequestError);
    expect(err).toMatchObject({
      retryable: false,
      message: `the job's session request expired at ${session.expiresAt}`,
    });
    asTask.destroy();
    sts.destroy();
  });

  it('fails the launch, retryable and without naming the role, when its own credentials cannot be had', async () => {
    const sts = new STSClient({
      region,
      endpoint,
      credentials: async () => {
        throw new Error(`no credentials to sign for ${roleArn}`);
      },
    });
    const withAccess = new EcsFargateLauncher(ecs, config, quietLogger(), { sts, roleArn });
    const before = runTaskBodies.length;

    const err = await withAccess.launch(request(crypto.randomUUID())).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'LAUNCH_FAILED', retryable: true });
    expect((err as AppError).message).not.toContain('rf-transcoder-access');
    expect(runTaskBodies.length).toBe(before);
    sts.destroy();
  });
});
