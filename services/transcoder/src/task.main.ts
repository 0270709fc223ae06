// Task mode entry (the ECS task and the local launcher): env → adapters → one job → exit 0 or 1. SIGTERM (ECS stop)
// kills ffmpeg and reports a retryable INTERRUPTED failure before the process exits.
import { loadEnv } from '@reelforge/config';
import { AppError } from '@reelforge/contracts';
import { createEventProducer, kafkaFromEnv } from '@reelforge/kafka';
import { createLogger } from '@reelforge/observability';
import { createS3Client, presignedSessionCredentials } from '@reelforge/storage';
import { limitsFromEnv, TaskEnv } from './env.js';
import { runTranscodeTask } from './transcode.task.js';

const env = loadEnv(TaskEnv);
const spec = env.JOB_SPEC;
const logger = createLogger({ service: 'transcoder', level: env.LOG_LEVEL }).child({
  videoId: spec.videoId,
  attempt: spec.attempt,
  part: spec.part ?? { kind: 'whole' },
});

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.warn({ signal }, 'stopping: the transcode is abandoned');
    controller.abort(new AppError('INTERRUPTED', `the transcode task was stopped (${signal})`));
  });
}

const producer = createEventProducer(kafkaFromEnv(env, logger), { topicPrefix: env.KAFKA_TOPIC_PREFIX, logger });
let exitCode = 1;
try {
  await producer.connect();
  const outcome = await runTranscodeTask({
    spec,
    s3: createS3Client({
      region: env.AWS_REGION,
      endpoint: env.S3_ENDPOINT,
      // Emulators behind S3_ENDPOINT (moto, MinIO) only answer path-style requests.
      forcePathStyle: env.S3_FORCE_PATH_STYLE || Boolean(env.S3_ENDPOINT),
      // In AWS the job's own sessions (its source, its output prefix), renewed through the presigned request as each
      // nears its end; a spec of an older dispatcher carries one session instead. The task role has no S3 access.
      ...(spec.session
        ? { credentials: presignedSessionCredentials(spec.session) }
        : spec.credentials
          ? { credentials: spec.credentials }
          : {}),
    }),
    events: producer,
    logger,
    scratchDir: env.SCRATCH_DIR,
    limits: limitsFromEnv(env),
    maxOutputSide: env.MAX_OUTPUT_SIDE,
    threads: env.FFMPEG_THREADS,
    timeoutMs: env.TRANSCODE_TIMEOUT_SEC * 1000,
    signal: controller.signal,
  });
  exitCode = outcome.ok ? 0 : 1;
} catch (err) {
  // Only reached when even the failure event could not be sent; the dispatcher's reaper will notice the task.
  logger.fatal({ err }, 'transcode task could not report its outcome');
} finally {
  await producer.disconnect().catch(() => {});
}
process.exit(exitCode);
