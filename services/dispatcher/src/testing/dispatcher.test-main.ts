// The dispatcher as main.ts runs it, plus the seams tests and benchmarks need, none of which production config can
// reach: this file is not built into dist/ and runs from source (`node services/dispatcher/src/testing/
// dispatcher.test-main.ts`, Node strips the types), so it imports only package entry points.
//   TEST_LAUNCHER=noop                launch nothing, at once, without a cap (benchmarks)
//   TEST_CRASH_AFTER_JOB_CREATED=1    SIGKILL itself right after a job is committed, before its launch
import { envBool, loadEnv } from '@reelforge/config';
import { createLauncher, dispatcherEnv, NoopLauncher, startDispatcher } from '@reelforge/dispatcher';
import { createLogger, onShutdown } from '@reelforge/observability';
import { z } from 'zod';

const seams = loadEnv(
  z.object({
    TEST_LAUNCHER: z.enum(['noop']).optional(),
    TEST_CRASH_AFTER_JOB_CREATED: envBool.default(false),
  }),
);
const env = loadEnv(dispatcherEnv);
const logger = createLogger({ service: 'dispatcher', level: env.LOG_LEVEL });
const dispatcher = await startDispatcher({
  env,
  logger,
  launcher:
    seams.TEST_LAUNCHER === 'noop'
      ? { launcher: new NoopLauncher(), maxConcurrency: Number.POSITIVE_INFINITY }
      : createLauncher(env, logger),
  ...(seams.TEST_CRASH_AFTER_JOB_CREATED
    ? {
        afterJobCreated: (job) => {
          logger.fatal({ jobId: job.id }, 'TEST_CRASH_AFTER_JOB_CREATED: crashing before the launch');
          process.kill(process.pid, 'SIGKILL');
        },
      }
    : {}),
});
onShutdown(logger, dispatcher.shutdownSteps, { timeoutMs: env.SHUTDOWN_GRACE_MS });
