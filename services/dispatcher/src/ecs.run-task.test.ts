import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import {
  buildRunTaskInput,
  launchErrorFromException,
  launchErrorFromFailures,
  taskStatusFromEcs,
  taskStatusFromFailure,
} from './ecs.run-task.js';

const videoId = '0b6c3a52-2f0e-4f6a-9d43-6a7c1f0e9b21';
const spec = {
  version: 1 as const,
  videoId,
  attempt: 2,
  source: { bucket: 'raw', key: `sources/${videoId}/original` },
  output: { bucket: 'processed', prefix: `videos/${videoId}/2/` },
  profile: 'default',
  jobToken: 'f'.repeat(64),
};
const config = {
  cluster: 'reelforge',
  taskDefinition: 'reelforge-transcoder:7',
  containerName: 'transcoder',
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-1'],
  assignPublicIp: false,
};

describe('buildRunTaskInput', () => {
  it('asks for one Fargate task carrying the job, its token, and the video in startedBy and tags', () => {
    expect(buildRunTaskInput(config, { jobId: 'job-1', spec, token: `rf-${videoId}-a2` })).toEqual({
      cluster: 'reelforge',
      taskDefinition: 'reelforge-transcoder:7',
      launchType: 'FARGATE',
      count: 1,
      clientToken: `rf-${videoId}-a2`,
      startedBy: videoId,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-1'],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: 'transcoder',
            environment: [
              {
                name: 'JOB_SPEC',
                value:
                  `{"version":1,"videoId":"${videoId}","attempt":2,` +
                  `"source":{"bucket":"raw","key":"sources/${videoId}/original"},` +
                  `"output":{"bucket":"processed","prefix":"videos/${videoId}/2/"},"profile":"default",` +
                  `"jobToken":"${'f'.repeat(64)}"}`,
              },
              { name: 'VIDEO_ID', value: videoId },
              { name: 'ATTEMPT', value: '2' },
            ],
          },
        ],
      },
      tags: [
        { key: 'reelforge:video-id', value: videoId },
        { key: 'reelforge:attempt', value: '2' },
      ],
    });
  });

  it('leaves security groups to the VPC default when none are configured, and can ask for a public IP', () => {
    const input = buildRunTaskInput(
      { ...config, securityGroups: [], assignPublicIp: true },
      { jobId: 'job-1', spec, token: 't' },
    );
    expect(input.networkConfiguration).toEqual({
      awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], assignPublicIp: 'ENABLED' },
    });
  });

  it('keeps startedBy within ECS’s 36 characters', () => {
    expect(buildRunTaskInput(config, { jobId: 'j', spec, token: 't' }).startedBy).toHaveLength(36);
  });
});

describe('launchErrorFromFailures', () => {
  it.each([
    ['RESOURCE:CPU'],
    ['RESOURCE:MEMORY'],
    ['RESOURCE:ENI'],
    ['Capacity is unavailable at this time. Please try again later or in a different availability zone'],
    ["You've reached the limit on the number of tasks you can run concurrently"],
    ['The capacity provider fargate-spot has no capacity'],
  ])('maps %s to LAUNCH_CAPACITY: the job waits for room', (reason) => {
    const err = launchErrorFromFailures([{ arn: 'arn:x', reason }]);
    expect([err.code, err.retryable]).toEqual(['LAUNCH_CAPACITY', true]);
    expect(err.message).toBe(`ECS did not start the task: ${reason}`);
  });

  it('maps an agent hiccup to a retryable LAUNCH_FAILED', () => {
    const err = launchErrorFromFailures([{ arn: 'arn:x', reason: 'AGENT' }]);
    expect([err.code, err.retryable, err.message]).toEqual([
      'LAUNCH_FAILED',
      true,
      'ECS did not start the task: AGENT',
    ]);
  });

  it.each([['ATTRIBUTE'], ['MISSING']])('maps %s to a non-retryable refusal', (reason) => {
    const err = launchErrorFromFailures([{ reason, detail: 'no match' }]);
    expect([err.code, err.retryable, err.message]).toEqual([
      'BAD_REQUEST',
      false,
      `ECS did not start the task: ${reason} no match`,
    ]);
  });

  it('treats an answer with neither task nor failure as retryable', () => {
    const err = launchErrorFromFailures([]);
    expect([err.code, err.retryable, err.message]).toEqual([
      'LAUNCH_FAILED',
      true,
      'ECS did not start the task: no task and no failure given',
    ]);
  });
});

const sdkError = (name: string, message: string, status?: number, fault?: 'client' | 'server') =>
  Object.assign(new Error(message), {
    name,
    ...(fault ? { $fault: fault } : {}),
    ...(status ? { $metadata: { httpStatusCode: status } } : {}),
  });

describe('launchErrorFromException', () => {
  it.each([
    [sdkError('ThrottlingException', 'Rate exceeded', 400, 'client')],
    [sdkError('LimitExceededException', 'quota', 400, 'client')],
    [sdkError('ClientException', 'Tasks provisioning capacity limit exceeded', 400, 'client')],
  ])('maps %s to LAUNCH_CAPACITY: the job waits for room', (err) => {
    const mapped = launchErrorFromException(err);
    expect([mapped.code, mapped.retryable]).toEqual(['LAUNCH_CAPACITY', true]);
    expect(mapped.cause).toBe(err);
  });

  it.each([
    [sdkError('ServerException', 'internal', 500, 'server')],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' })],
  ])('maps %s to a retryable LAUNCH_FAILED', (err) => {
    const mapped = launchErrorFromException(err);
    expect([mapped.code, mapped.retryable]).toEqual(['LAUNCH_FAILED', true]);
    expect(mapped.cause).toBe(err);
  });

  it.each([
    [sdkError('InvalidParameterException', 'subnet-x does not exist', 400, 'client')],
    [sdkError('ClusterNotFoundException', 'Cluster not found.', 400, 'client')],
    [sdkError('AccessDeniedException', 'not authorized to perform ecs:RunTask', 400, 'client')],
    [sdkError('ClientException', 'TaskDefinition is inactive', 400, 'client')],
  ])('maps %s to a non-retryable refusal', (err) => {
    const mapped = launchErrorFromException(err);
    expect([mapped.code, mapped.retryable]).toEqual(['BAD_REQUEST', false]);
    expect(mapped.message).toBe(`ECS RunTask failed: ${err.name}: ${err.message}`);
  });

  it('passes an AppError through', () => {
    const err = new AppError('LAUNCH_FAILED', 'x');
    expect(launchErrorFromException(err)).toBe(err);
  });
});

describe('taskStatusFromEcs', () => {
  it('reads anything short of STOPPED as running', () => {
    for (const lastStatus of ['PROVISIONING', 'PENDING', 'RUNNING', 'DEACTIVATING', 'STOPPING']) {
      expect(taskStatusFromEcs({ lastStatus }, 'transcoder')).toEqual({ state: 'running' });
    }
  });

  it('takes the exit code of the transcoder container and every stop reason ECS gives', () => {
    const stoppedAt = new Date('2026-01-01T00:00:00Z');
    expect(
      taskStatusFromEcs(
        {
          lastStatus: 'STOPPED',
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          stoppedAt,
          containers: [
            { name: 'log-router', exitCode: 0 },
            { name: 'transcoder', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
          ],
        },
        'transcoder',
      ),
    ).toEqual({
      state: 'stopped',
      exitCode: 137,
      reason:
        'EssentialContainerExited: Essential container in task exited: OutOfMemoryError: Container killed due to memory usage',
      stoppedAt,
    });
  });

  it('has no exit code for a task stopped before its container ran', () => {
    expect(
      taskStatusFromEcs({ lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', containers: [] }, 'transcoder'),
    ).toEqual({ state: 'stopped', exitCode: null, reason: 'TaskFailedToStart' });
  });

  it('reads a MISSING task as stopped long ago, any other failure as unknown', () => {
    expect(taskStatusFromFailure({ arn: 'a', reason: 'MISSING' })).toEqual({
      state: 'stopped',
      exitCode: null,
      reason: 'MISSING: ECS no longer knows the task',
    });
    expect(taskStatusFromFailure({ arn: 'a', reason: 'INTERNAL' })).toEqual({ state: 'unknown' });
  });
});
