import type { VideoTranscodedV1 } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { plannedSource, prefixManifest } from './transcode.service.js';

const manifest: VideoTranscodedV1 = {
  version: 1,
  videoId: '0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11',
  attempt: 3,
  renditions: [
    {
      name: '720p',
      width: 1280,
      height: 720,
      bitrateKbps: 2100,
      codecs: 'avc1.64001f,mp4a.40.2',
      mp4Key: '720p.mp4',
      playlistKey: '720p/index.m3u8',
      bytes: 5_000_000,
    },
  ],
  hlsMasterKey: 'master.m3u8',
  posterKey: 'poster.jpg',
  thumbnails: { spriteKey: 'storyboard.jpg', vttKey: 'storyboard.vtt', intervalSec: 1, tileWidth: 160, tileHeight: 90 },
  durationSec: 19.5,
  source: { width: 1920, height: 1080, hasAudio: true },
};

describe('prefixManifest', () => {
  it('puts every key under the attempt prefix and leaves everything else alone', () => {
    const p = 'videos/0b9f4a52-5d3f-4c53-9a3e-8f0f3c1f2a11/3/';
    expect(prefixManifest(manifest, p)).toEqual({
      ...manifest,
      renditions: [{ ...manifest.renditions[0], mp4Key: `${p}720p.mp4`, playlistKey: `${p}720p/index.m3u8` }],
      hlsMasterKey: `${p}master.m3u8`,
      posterKey: `${p}poster.jpg`,
      thumbnails: { ...manifest.thumbnails, spriteKey: `${p}storyboard.jpg`, vttKey: `${p}storyboard.vtt` },
    });
  });
});

describe('plannedSource', () => {
  it('counts the frames the encode will produce from the duration and the planned rate', () => {
    const plan = { durationSec: 10.01, source: { width: 1920, height: 1080 }, fps: { num: 30000, den: 1001 } };
    // 10.01 s × 29.97 fps = 300 frames
    expect(plannedSource(plan)).toEqual({ durationSec: 10.01, width: 1920, height: 1080, frameCount: 300 });
  });

  it('leaves the frame count unknown when the rate is not a number', () => {
    const plan = { durationSec: 5, source: { width: 640, height: 360 }, fps: { num: 0, den: 0 } };
    expect(plannedSource(plan).frameCount).toBeNull();
  });
});
