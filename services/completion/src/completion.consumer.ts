// Starts the completion service: one consumer group over the transcoders' three topics, each with its handler.
import type { S3Client } from '@aws-sdk/client-s3';
import { type Database, isTransientMysqlError, type Kysely } from '@reelforge/db';
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
  const service = new CompletionService({
    db: deps.db,
    policy: deps.policy,
    outputs: deps.outputs,
    metrics: completionMetrics(deps.registry),
  });
  const handlers: HandlerMap<CompletionTopic> = {
    'video.transcoded': async (message, ctx) => {
      await service.onTranscoded(message, ctx.logger);
    },
    'video.transcode-failed': async (message, ctx) => {
      await service.onFailed(message, ctx.logger);
    },
    'video.transcode-progress': (message, ctx) => service.onProgress(message, ctx.logger),
  };
  // A result that cannot be applied fails its attempt; a progress report is only parked: losing one costs nothing,
  // and failing a video for it would turn a cosmetic bug into lost work.
  const onParked: ConsumerOptions<CompletionTopic>['onParked'] = {
    'video.transcoded': (message, ctx) => service.failParked(message, ctx.logger, { deleteOutputs: true }),
    'video.transcode-failed': (message, ctx) => service.failParked(message, ctx.logger),
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
