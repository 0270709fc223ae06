// Picks the TaskLauncher named by TASK_LAUNCHER and the concurrency cap that goes with it.
import { existsSync } from 'node:fs';
import { STSClient } from '@aws-sdk/client-sts';
import type { Logger } from 'pino';
import { createEcsClient, EcsFargateLauncher } from './ecs.launcher.js';
import { type DispatcherEnv, ecsLaunchConfig } from './env.js';
import { LocalProcessLauncher } from './local-process.launcher.js';
import type { TaskLauncher } from './task.launcher.js';

export interface LauncherChoice {
  launcher: TaskLauncher;
  /** Tasks this replica may have starting (ECS) or alive (local children) at once. */
  maxConcurrency: number;
}

export function createLauncher(env: DispatcherEnv, logger: Logger): LauncherChoice {
  switch (env.TASK_LAUNCHER) {
    case 'ecs':
      return {
        launcher: new EcsFargateLauncher(
          createEcsClient({ region: env.AWS_REGION, endpoint: env.ECS_ENDPOINT }),
          ecsLaunchConfig(env),
          logger.child({ launcher: 'ecs' }),
          env.ECS_TASK_ACCESS_ROLE_ARN
            ? { sts: new STSClient({ region: env.AWS_REGION }), roleArn: env.ECS_TASK_ACCESS_ROLE_ARN }
            : undefined,
        ),
        // Fargate runs the tasks; here only RunTask calls are in flight, at most one per partition being consumed.
        maxConcurrency: Number.POSITIVE_INFINITY,
      };
    case 'local':
      // A missing build is a deployment error, better refused at boot than reported as every video's failure.
      if (!existsSync(env.TRANSCODER_ENTRY)) {
        throw new Error(`TRANSCODER_ENTRY ${env.TRANSCODER_ENTRY} does not exist (build @reelforge/transcoder)`);
      }
      return {
        launcher: new LocalProcessLauncher({
          entry: env.TRANSCODER_ENTRY,
          logger: logger.child({ launcher: 'local' }),
        }),
        maxConcurrency: env.LOCAL_MAX_CONCURRENCY,
      };
  }
}
