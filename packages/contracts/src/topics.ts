// The topic catalog: one place that says which schema travels on which topic and what its key is. Consumers type
// their handler maps from it, so a topic without a handler is a compile error.
import type { z } from 'zod';
import { EngagementRecord } from './engagement.js';
import {
  VideoChunkFailedV1,
  VideoChunkTranscodedV1,
  VideoStatusChangedV1,
  VideoTranscodedV1,
  VideoTranscodeFailedV1,
  VideoTranscodeProgressV1,
  VideoTranscodeStartedV1,
  VideoUploadedV1,
} from './messages.js';

interface TopicSpec<S extends z.ZodType> {
  schema: S;
  /** Messages of one video share a key, so they share a partition and keep their order. */
  key: (message: z.infer<S>) => string;
}

const topic = <S extends z.ZodType>(spec: TopicSpec<S>) => spec;
const byVideo = (m: { videoId: string }) => m.videoId;

export const topics = {
  'video.uploaded': topic({ schema: VideoUploadedV1, key: byVideo }),
  'video.transcode-started': topic({ schema: VideoTranscodeStartedV1, key: byVideo }),
  'video.transcoded': topic({ schema: VideoTranscodedV1, key: byVideo }),
  'video.transcode-failed': topic({ schema: VideoTranscodeFailedV1, key: byVideo }),
  'video.transcode-progress': topic({ schema: VideoTranscodeProgressV1, key: byVideo }),
  'video.chunk-transcoded': topic({ schema: VideoChunkTranscodedV1, key: byVideo }),
  'video.chunk-failed': topic({ schema: VideoChunkFailedV1, key: byVideo }),
  'video.status-changed': topic({ schema: VideoStatusChangedV1, key: byVideo }),
  'engagement.events': topic({ schema: EngagementRecord, key: (m) => m.event.content_id }),
} as const;

export type TopicName = keyof typeof topics;
export type MessageOf<T extends TopicName> = z.infer<(typeof topics)[T]['schema']>;
export const topicNames = Object.keys(topics) as TopicName[];

/** What a transcoder task publishes, and all it may publish (the CDK grants its role these topics alone). */
export const transcoderReportTopics = [
  'video.transcode-started',
  'video.transcode-progress',
  'video.transcoded',
  'video.transcode-failed',
  'video.chunk-transcoded',
  'video.chunk-failed',
] as const satisfies readonly TopicName[];

/** Where a consumer sends what it cannot decode. */
export const dlqTopic = (name: string) => `${name}.dlq`;
