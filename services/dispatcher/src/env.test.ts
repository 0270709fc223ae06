import { parseEnv } from '@reelforge/config';
import { describe, expect, it } from 'vitest';
import { deadlinePolicy, dispatcherEnv, ecsLaunchConfig, reapGrace } from './env.js';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/reelforge',
  PROCESSED_BUCKET: 'reelforge-processed',
};

describe('dispatcherEnv', () => {
  it('runs local children by default, two at a time, on ops port 9401', () => {
    const env = parseEnv(dispatcherEnv, base);
    expect([env.TASK_LAUNCHER, env.LOCAL_MAX_CONCURRENCY, env.OPS_PORT, env.CONSUMER_GROUP]).toEqual([
      'local',
      2,
      9401,
      'reelforge-dispatcher',
    ]);
    expect([env.CONSUMER_CONCURRENCY, env.CONSUMER_MESSAGE_CONCURRENCY, env.CONSUMER_POISON_ATTEMPTS]).toEqual([
      4, 64, 5,
    ]);
    expect(env.TRANSCODER_ENTRY).toMatch(/services\/transcoder\/dist\/task\.main\.js$/);
    expect(deadlinePolicy(env)).toEqual({
      factor: 3,
      startupSec: 600,
      defaultDurationSec: 3600,
      maxDurationSec: 14_400,
    });
    expect(reapGrace(env)).toEqual({ stoppedMs: 30_000, succeededMs: 300_000 });
  });

  it('never gives a task that exited 0 less grace than one that failed', () => {
    expect(() =>
      parseEnv(dispatcherEnv, { ...base, TASK_STOPPED_GRACE_SEC: '60', TASK_SUCCEEDED_GRACE_SEC: '30' }),
    ).toThrow(/TASK_SUCCEEDED_GRACE_SEC: at least TASK_STOPPED_GRACE_SEC/);
  });

  it('chooses ECS when a cluster is configured, and builds its launch config', () => {
    const env = parseEnv(dispatcherEnv, {
      ...base,
      ECS_CLUSTER: 'reelforge',
      ECS_TASK_DEFINITION: 'reelforge-transcoder',
      ECS_SUBNETS: 'subnet-a, subnet-b',
      ECS_SECURITY_GROUPS: 'sg-1',
      ECS_ASSIGN_PUBLIC_IP: 'true',
    });
    expect(env.TASK_LAUNCHER).toBe('ecs');
    expect(ecsLaunchConfig(env)).toEqual({
      cluster: 'reelforge',
      taskDefinition: 'reelforge-transcoder',
      containerName: 'transcoder',
      subnets: ['subnet-a', 'subnet-b'],
      securityGroups: ['sg-1'],
      assignPublicIp: true,
    });
  });

  it('names every ECS setting the ecs launcher is missing', () => {
    expect(() => parseEnv(dispatcherEnv, { ...base, TASK_LAUNCHER: 'ecs' })).toThrow(
      /ECS_CLUSTER: required when TASK_LAUNCHER is ecs\n {2}ECS_TASK_DEFINITION: required when TASK_LAUNCHER is ecs\n {2}ECS_SUBNETS: required/,
    );
  });

  it('lets an explicit TASK_LAUNCHER win over the ECS default', () => {
    expect(parseEnv(dispatcherEnv, { ...base, ECS_CLUSTER: 'c', TASK_LAUNCHER: 'local' }).TASK_LAUNCHER).toBe('local');
  });

  it('offers no launcher that launches nothing: the no-op launcher is for tests and benchmarks, wired in code', () => {
    expect(() => parseEnv(dispatcherEnv, { ...base, TASK_LAUNCHER: 'noop' })).toThrow(/TASK_LAUNCHER/);
  });

  it('keeps heartbeats well inside the session timeout', () => {
    expect(() =>
      parseEnv(dispatcherEnv, { ...base, CONSUMER_SESSION_TIMEOUT_MS: '6000', CONSUMER_HEARTBEAT_MS: '3000' }),
    ).toThrow(/CONSUMER_HEARTBEAT_MS: at most a third of CONSUMER_SESSION_TIMEOUT_MS/);
    expect(
      parseEnv(dispatcherEnv, { ...base, CONSUMER_SESSION_TIMEOUT_MS: '6000', CONSUMER_HEARTBEAT_MS: '2000' })
        .CONSUMER_SESSION_TIMEOUT_MS,
    ).toBe(6000);
  });

  it('knows no test-only switches', () => {
    expect(parseEnv(dispatcherEnv, { ...base, DISPATCHER_CRASH_AFTER_JOB_CREATED: '1' })).not.toHaveProperty(
      'DISPATCHER_CRASH_AFTER_JOB_CREATED',
    );
  });
});
