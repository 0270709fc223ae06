import { describe, expect, it } from 'vitest';
import { managedTopicNames } from './topics.admin.js';

describe('managedTopicNames', () => {
  it('pairs every catalog topic with its dead-letter topic', () => {
    expect(managedTopicNames({})).toEqual([
      'video.uploaded',
      'video.uploaded.dlq',
      'video.transcode-started',
      'video.transcode-started.dlq',
      'video.transcoded',
      'video.transcoded.dlq',
      'video.transcode-failed',
      'video.transcode-failed.dlq',
      'video.transcode-progress',
      'video.transcode-progress.dlq',
      'video.chunk-transcoded',
      'video.chunk-transcoded.dlq',
      'video.chunk-failed',
      'video.chunk-failed.dlq',
      'video.status-changed',
      'video.status-changed.dlq',
      'engagement.events',
      'engagement.events.dlq',
    ]);
  });

  it('prefixes both and can be limited to some topics', () => {
    expect(managedTopicNames({ topicPrefix: 'staging.', topics: ['video.uploaded'] })).toEqual([
      'staging.video.uploaded',
      'staging.video.uploaded.dlq',
    ]);
  });
});
