import type { VideoStatusChangedV1 } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { webhookEventOf, webhookPayload } from './webhook.event.js';

const failed: VideoStatusChangedV1 = {
  version: 1,
  eventId: '6f1d1c1e-4d1a-4b8e-8f57-3b0d7a1e9c20',
  videoId: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  ownerId: 'a4b0f7a8-7d0b-4c36-9a53-0fd1e5f2a001',
  from: 'processing',
  to: 'failed',
  attempt: 3,
  error: { code: 'DECODE_ERROR', message: 'The decoder gave up.' },
  occurredAt: '2026-12-03T10:00:00.000Z',
};

describe('webhookEventOf', () => {
  it('maps the statuses a subscriber can choose and no others', () => {
    expect(
      (['awaiting_upload', 'uploaded', 'queued', 'processing', 'ready', 'failed', 'deleted'] as const).map(
        webhookEventOf,
      ),
    ).toEqual([null, 'video.uploaded', null, 'video.processing', 'video.ready', 'video.failed', 'video.deleted']);
  });
});

describe('webhookPayload', () => {
  it('carries the change, the failure and no owner id', () => {
    expect(webhookPayload(failed, 'video.failed')).toEqual({
      type: 'video.failed',
      timestamp: '2026-12-03T10:00:00.000Z',
      data: {
        videoId: failed.videoId,
        status: 'failed',
        previousStatus: 'processing',
        attempt: 3,
        error: { code: 'DECODE_ERROR', message: 'The decoder gave up.' },
      },
    });
  });

  it('adds the links of a ready video', () => {
    const links = {
      self: 'https://api.example.com/v1/videos/x',
      hls: 'https://cdn.example.com/videos/x/1/master.m3u8',
    };
    expect(webhookPayload({ ...failed, to: 'ready', error: null }, 'video.ready', links).data.links).toEqual(links);
  });
});
