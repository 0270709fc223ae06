// Transcoder tasks on ECS Fargate: RunTask with the job in a container override and an idempotency token,
// DescribeTasks for the reaper, StopTask for a task past its deadline.
import {
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  type RunTaskCommandOutput,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import type { STSClient } from '@aws-sdk/client-sts';
import { AppError, type TranscodeJobSpecV1 } from '@reelforge/contracts';
import type { Logger } from 'pino';
import {
  buildRunTaskInput,
  type EcsLaunchConfig,
  launchErrorFromException,
  launchErrorFromFailures,
  taskStatusFromEcs,
  taskStatusFromFailure,
} from './ecs.run-task.js';
import type { LaunchedTask, LaunchRequest, TaskLauncher, TaskStatus } from './task.launcher.js';
import { partitionOf, taskAssumeRoleQuery } from './task-access.policy.js';
import { presignSessionRequest } from './task-session.presigner.js';

/** Per-job S3 sessions for the tasks (see task-access.policy.ts); without it a task uses its own role. */
export interface TaskAccess {
  sts: STSClient;
  roleArn: string;
}

/** DescribeTasks takes at most 100 tasks per call. */
const DESCRIBE_BATCH = 100;

export function createEcsClient(cfg: { region: string; endpoint?: string | undefined }): ECSClient {
  return new ECSClient({
    region: cfg.region,
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    // The SDK's adaptive mode backs off on ThrottlingException before we ever see it.
    retryMode: 'adaptive',
    maxAttempts: 5,
  });
}

export class EcsFargateLauncher implements TaskLauncher {
  readonly kind = 'ecs' as const;

  constructor(
    private readonly client: ECSClient,
    private readonly config: EcsLaunchConfig,
    private readonly logger: Logger,
    private readonly access?: TaskAccess,
  ) {}

  async launch(request: LaunchRequest): Promise<LaunchedTask> {
    let response: RunTaskCommandOutput;
    try {
      const spec = await this.withSession(request);
      response = await this.client.send(new RunTaskCommand(buildRunTaskInput(this.config, { ...request, spec })));
    } catch (err) {
      throw launchErrorFromException(err);
    }
    const taskArn = response.tasks?.[0]?.taskArn;
    if (!taskArn) throw launchErrorFromFailures(response.failures ?? []);
    return { taskId: taskArn };
  }

  /**
   * A fresh signature per launch. A relaunch after a dispatcher crash therefore sends another URL under the same
   * clientToken; ECS then refuses it as a mismatch rather than start a second task, and the attempt fails as a
   * launch failure (retried by completion) — the price of not keeping credentials in MySQL.
   */
  private async withSession(request: LaunchRequest): Promise<TranscodeJobSpecV1> {
    if (!this.access) return request.spec;
    const { roleArn, sts } = this.access;
    const query = taskAssumeRoleQuery(request.spec, roleArn, request.token, partitionOf(roleArn));
    let presigned: Awaited<ReturnType<typeof presignSessionRequest>>;
    try {
      presigned = await presignSessionRequest(sts, query, request.storageUntil);
    } catch (err) {
      // Our own credentials could not be had; the video's owner sees this message. Retryable: it is ours.
      throw new AppError('LAUNCH_FAILED', 'the task’s storage session could not be created', { cause: err });
    }
    return {
      ...request.spec,
      session: { assumeRoleUrl: presigned.url, expiresAt: presigned.expiresAt.toISOString() },
    };
  }

  async describe(taskIds: readonly string[]): Promise<Map<string, TaskStatus>> {
    const statuses = new Map<string, TaskStatus>();
    for (let i = 0; i < taskIds.length; i += DESCRIBE_BATCH) {
      const batch = taskIds.slice(i, i + DESCRIBE_BATCH);
      try {
        const out = await this.client.send(new DescribeTasksCommand({ cluster: this.config.cluster, tasks: batch }));
        for (const task of out.tasks ?? []) {
          if (task.taskArn) statuses.set(task.taskArn, taskStatusFromEcs(task, this.config.containerName));
        }
        for (const failure of out.failures ?? []) {
          if (failure.arn) statuses.set(failure.arn, taskStatusFromFailure(failure));
        }
      } catch (err) {
        // Unknown rather than thrown: one failed call must not hold up the rest of the reaper's pass.
        this.logger.warn({ err, count: batch.length }, 'DescribeTasks failed; statuses unknown this round');
      }
    }
    for (const id of taskIds) if (!statuses.has(id)) statuses.set(id, { state: 'unknown' });
    return statuses;
  }

  async stop(taskId: string, reason: string): Promise<void> {
    await this.client.send(
      new StopTaskCommand({ cluster: this.config.cluster, task: taskId, reason: reason.slice(0, 255) }),
    );
  }

  /** ECS tasks outlive the dispatcher: nothing of theirs to stop here. */
  async close(): Promise<void> {
    this.client.destroy();
  }
}
