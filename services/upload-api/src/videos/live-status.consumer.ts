// The one Kafka consumer of an API instance that feeds its live status hub. Its group is its own (a fresh id per
// process) and starts at the end of each topic: the hub only needs what happens while it runs, because every
// subscriber starts from the database's current state. Its committed offsets are never read again.
import { randomUUID } from 'node:crypto';
import { type HandlerMap, type Kafka, type RunningConsumer, startConsumer } from '@reelforge/kafka';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LiveStatusHub } from './live-status.hub.js';

export const liveStatusTopics = [
  'video.uploaded',
  'video.transcode-started',
  'video.transcode-progress',
  'video.transcoded',
  'video.transcode-failed',
] as const;

export interface LiveStatusConsumerDeps {
  kafka: Kafka;
  hub: LiveStatusHub;
  logger: Logger;
  registry?: Registry;
  topicPrefix?: string;
  /** Group ids are `<groupPrefix>.<uuid>`. */
  groupPrefix?: string;
}

export function startLiveStatusConsumer(deps: LiveStatusConsumerDeps): Promise<RunningConsumer> {
  const { hub } = deps;
  const handlers: HandlerMap<(typeof liveStatusTopics)[number]> = {
    'video.uploaded': async (m) => hub.onChange(m.videoId),
    'video.transcode-started': async (m) => hub.onChange(m.videoId),
    'video.transcode-progress': async (m) => hub.onProgress(m),
    'video.transcoded': async (m) => hub.onResult(m.videoId, m.attempt),
    'video.transcode-failed': async (m) => hub.onResult(m.videoId, m.attempt),
  };
  return startConsumer({
    kafka: deps.kafka,
    groupId: `${deps.groupPrefix ?? 'reelforge-upload-api-live'}.${randomUUID()}`,
    topics: liveStatusTopics,
    handlers,
    topicPrefix: deps.topicPrefix,
    logger: deps.logger,
    registry: deps.registry,
    fromBeginning: false,
    // Handlers only touch memory; a whole partition's messages can go at once.
    concurrencyPerPartition: 16,
  });
}
