import type { Video } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { presentFeedItem } from './feed.presenter.js';

const base: Video = {
  id: '00000000-0000-4000-8000-000000000001',
  title: 'A walk',
  description: 'private notes of the owner',
  visibility: 'public',
  status: 'ready',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  source: {
    filename: 'walk.mov',
    bytes: 1000,
    contentType: 'video/quicktime',
    sha256: null,
    durationSec: 12.5,
    width: 1920,
    height: 1080,
  },
  progressPct: 100,
  views: 7,
  likes: 2,
};

describe('presentFeedItem', () => {
  it("keeps the links and counts of the public resource, adds the owner's name, drops the source facts", () => {
    const renditions = [{ name: '720p', width: 1280, height: 720, bitrateKbps: 3000, mp4: 'https://cdn/x/720p.mp4' }];
    const item = presentFeedItem(
      {
        ...base,
        hls: 'https://cdn/x/master.m3u8',
        poster: 'https://cdn/x/poster.jpg',
        storyboard: { image: 'https://cdn/x/s.jpg', vtt: 'https://cdn/x/s.vtt' },
        renditions,
      },
      'Alice',
    );
    expect(item).toEqual({
      id: base.id,
      title: 'A walk',
      ownerName: 'Alice',
      durationSec: 12.5,
      views: 7,
      likes: 2,
      hls: 'https://cdn/x/master.m3u8',
      poster: 'https://cdn/x/poster.jpg',
      storyboard: { image: 'https://cdn/x/s.jpg', vtt: 'https://cdn/x/s.vtt' },
      renditions,
    });
  });

  it('leaves out links the video does not have', () => {
    expect(presentFeedItem(base, 'Bob')).toEqual({
      id: base.id,
      title: 'A walk',
      ownerName: 'Bob',
      durationSec: 12.5,
      views: 7,
      likes: 2,
      renditions: [],
    });
  });
});
