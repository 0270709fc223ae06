// The pure half of the ECS Fargate launcher: the RunTask input built from config and job, and how ECS's answers
// (failures, exceptions, task descriptions) read as Reelforge outcomes. Unit-tested on exact values.
import type { Failure, RunTaskCommandInput, Task } from '@aws-sdk/client-ecs';
import { AppError } from '@reelforge/contracts';
import { type LaunchRequest, type TaskStatus, taskEnvironment } from './task.launcher.js';

export interface EcsLaunchConfig {
  cluster: string;
  taskDefinition: string;
  containerName: string;
  subnets: readonly string[];
  securityGroups: readonly string[];
  assignPublicIp: boolean;
}

export const VIDEO_ID_TAG = 'reelforge:video-id';
export const ATTEMPT_TAG = 'reelforge:attempt';

export function buildRunTaskInput(config: EcsLaunchConfig, request: LaunchRequest): RunTaskCommandInput {
  const { spec } = request;
  return {
    cluster: config.cluster,
    taskDefinition: config.taskDefinition,
    launchType: 'FARGATE',
    count: 1,
    // ECS answers a repeated token with the task it already started, so a retried or recovered launch is one task.
    clientToken: request.token,
    // At most 36 characters, which a UUID exactly fills: the console's and ListTasks' filter by video.
    startedBy: spec.videoId,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...config.subnets],
        ...(config.securityGroups.length > 0 ? { securityGroups: [...config.securityGroups] } : {}),
        assignPublicIp: config.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    overrides: { containerOverrides: [{ name: config.containerName, environment: taskEnvironment(request) }] },
    tags: [
      { key: VIDEO_ID_TAG, value: spec.videoId },
      { key: ATTEMPT_TAG, value: String(spec.attempt) },
    ],
  };
}

// No room on the platform right now: placement (CPU, memory, ENIs in the subnets), the capacity provider, the account's
// task quota. These go away with time, so the job waits for capacity instead of spending an attempt.
const capacityFailure = (reason: string) =>
  reason.startsWith('RESOURCE:') ||
  /capacity is unavailable|capacity provider|limit on the number of tasks/i.test(reason);
// Worth another attempt, but not a shortage: an agent hiccup.
const retryableFailure = (reason: string) => reason === 'AGENT' || /try again/i.test(reason);

/** RunTask answered without a task: its `failures[]` say why. */
export function launchErrorFromFailures(failures: readonly Failure[]): AppError {
  const reasons = failures.map((f) => [f.reason, f.detail].filter(Boolean).join(' ') || 'unknown');
  const message = `ECS did not start the task: ${reasons.join('; ') || 'no task and no failure given'}`;
  if (failures.some((f) => capacityFailure(`${f.reason ?? ''} ${f.detail ?? ''}`.trim())))
    return new AppError('LAUNCH_CAPACITY', message);
  const retryable = failures.length === 0 || failures.some((f) => retryableFailure(f.reason ?? ''));
  // A non-retryable launch is a refusal of what we asked for: the task definition, subnets or platform are wrong.
  return new AppError(retryable ? 'LAUNCH_FAILED' : 'BAD_REQUEST', message);
}

// The API's own rate limits and quotas: ECS is fine, we asked too much too fast.
const capacityExceptions = new Set([
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'LimitExceededException',
]);
const retryableExceptions = new Set([
  'ServerException',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** RunTask threw. Throttling and quotas wait for capacity; 5xx and transport errors are worth another attempt. */
export function launchErrorFromException(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const message = `ECS RunTask failed: ${name}: ${e.message ?? String(err)}`;
  const status = e.$metadata?.httpStatusCode;
  if (
    capacityExceptions.has(name) ||
    (name === 'ClientException' && /capacity|rate exceeded|limit on the number of tasks/i.test(e.message ?? ''))
  )
    return new AppError('LAUNCH_CAPACITY', message, { cause: err });
  const retryable =
    retryableExceptions.has(name) ||
    e.$fault === 'server' ||
    (status !== undefined && status >= 500) ||
    // No HTTP answer at all: the network, DNS or a socket timeout.
    status === undefined;
  return new AppError(retryable ? 'LAUNCH_FAILED' : 'BAD_REQUEST', message, { cause: err });
}

/** A described task as the reaper sees it; the exit code is the transcoder container's. */
export function taskStatusFromEcs(task: Task, containerName: string): TaskStatus {
  if (task.lastStatus !== 'STOPPED') return { state: 'running' };
  const container = task.containers?.find((c) => c.name === containerName) ?? task.containers?.[0];
  const reason = [task.stopCode, task.stoppedReason, container?.reason].filter(Boolean).join(': ') || 'stopped';
  const stoppedAt = task.stoppedAt ?? task.executionStoppedAt;
  return {
    state: 'stopped',
    exitCode: container?.exitCode ?? null,
    reason,
    ...(stoppedAt ? { stoppedAt: new Date(stoppedAt) } : {}),
  };
}

/** DescribeTasks' failure for an id: MISSING means ECS has forgotten it, so it stopped long ago. */
export function taskStatusFromFailure(failure: Failure): TaskStatus {
  return failure.reason === 'MISSING'
    ? { state: 'stopped', exitCode: null, reason: 'MISSING: ECS no longer knows the task' }
    : { state: 'unknown' };
}
