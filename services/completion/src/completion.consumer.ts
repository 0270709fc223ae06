// Starts the completion service: one consumer group over the transcoders' three topics, each with its handler.
import type { S3Client } from '@aws-sdk/client-s3';
import type { MessageOf } from '@reelforge/contracts';
import { type Database, isTransientMysqlError, JobRepository, type Kysely } from '@reelforge/db';
import {
  type ConsumerOptions,
  type HandlerMap,
  isTransientFailure,
  type Kafka,
  type RunningConsumer,
  startConsumer,
} from '@reelforge/kafka';
import type { Logger } from '@reelforge/observability';
import type { Registry } from 'prom-client';
import { completionMetrics } from './completion.metrics.js';
import type { PolicyOptions } from './completion.policy.js';
import { CompletionService } from './completion.service.js';

export const completionTopics = ['video.transcoded', 'video.transcode-failed', 'video.transcode-progress'] as const;
export type CompletionTopic = (typeof completionTopics)[number];

export const DEFAULT_CONSUMER_GROUP = 'reelforge-completion';

export interface CompletionDeps {
  kafka: Kafka;
  db: Kysely<Database>;
  logger: Logger;
  /** Gets the completion metrics and the consumer's; register once per registry. */
  registry: Registry;
  policy: PolicyOptions;
  /** The processed bucket, to delete what transcoders wrote for attempts that can never be shown. */
  outputs: { s3: S3Client; bucket: string };
  groupId?: string;
  topicPrefix?: string;
  /** Consumer tuning (tests shorten the timeouts). */
  consumer?: Partial<
    Pick<
      ConsumerOptions<CompletionTopic>,
      | 'retry'
      | 'poisonAttempts'
      | 'sessionTimeout'
      | 'heartbeatInterval'
      | 'maxWaitTimeInMs'
      | 'partitionsConsumedConcurrently'
    >
  >;
}

/** Resolves once subscribed; `ready()` on the result waits for the partitions to be assigned. */
export async function startCompletion(deps: CompletionDeps): Promise<RunningConsumer> {
  const metrics = completionMetrics(deps.registry);
  // Exported at 0 from the start, so the forged-report alert (an increase()) sees even the first one.
  for (const topic of completionTopics) metrics.forgedReports.inc({ topic }, 0);
  const service = new CompletionService({ db: deps.db, policy: deps.policy, outputs: deps.outputs, metrics });
  const jobs = new JobRepository(deps.db);
  /**
   * Only reports carrying their job's token reach the service: anyone else's (a compromised task speaking for
   * another video) is counted, logged and committed — not retried, not parked, since nothing of ours failed.
   */
  const genuine =
    <T extends CompletionTopic>(topic: T, apply: (message: MessageOf<T>, log: Logger) => Promise<unknown>) =>
    async (message: MessageOf<T>, ctx: { logger: Logger }): Promise<void> => {
      if ((await jobs.verifyReport(message)) === 'forged') {
        metrics.forgedReports.inc({ topic });
        // The token is left out: a wrong one may be someone's real one.
        ctx.logger.warn(
          {
            videoId: message.videoId,
            attempt: message.attempt,
            topic,
            jobToken: message.jobToken ? 'wrong' : 'missing',
          },
          'forged report dropped',
        );
        return;
      }
      await apply(message, ctx.logger);
    };
  const handlers: HandlerMap<CompletionTopic> = {
    'video.transcoded': genuine('video.transcoded', (m, log) => service.onTranscoded(m, log)),
    'video.transcode-failed': genuine('video.transcode-failed', (m, log) => service.onFailed(m, log)),
    'video.transcode-progress': genuine('video.transcode-progress', (m, log) => service.onProgress(m, log)),
  };
  // A result that cannot be applied fails its attempt; a progress report is only parked: losing one costs nothing,
  // and failing a video for it would turn a cosmetic bug into lost work. Parked reports are checked too, or a forged
  // one that kept failing would fail someone else's video.
  const onParked: ConsumerOptions<CompletionTopic>['onParked'] = {
    'video.transcoded': genuine('video.transcoded', (m, log) => service.failParked(m, log, { deleteOutputs: true })),
    'video.transcode-failed': genuine('video.transcode-failed', (m, log) => service.failParked(m, log)),
  };
  return startConsumer({
    kafka: deps.kafka,
    groupId: deps.groupId ?? DEFAULT_CONSUMER_GROUP,
    topics: completionTopics,
    handlers,
    onParked,
    isTransient: (err) => isTransientFailure(err, isTransientMysqlError),
    topicPrefix: deps.topicPrefix,
    logger: deps.logger.child({ component: 'completion' }),
    registry: deps.registry,
    ...deps.consumer,
  });
}
