import { describe, expect, it } from 'vitest';
import { buildMasterPlaylist } from './hls.master.js';
import { planLadder } from './ladder.planner.js';
import { defaultProfile } from './ladder.profile.js';

const plan = planLadder(
  {
    container: 'mov',
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSec: 10,
    audio: { index: 1, codec: 'aac', channels: 2, sampleRate: 48000 },
    avStreams: 2,
    video: {
      index: 0,
      codec: 'h264',
      width: 1280,
      height: 720,
      sar: { num: 1, den: 1 },
      rotation: 0,
      avgFrameRate: { num: 30000, den: 1001 },
      rFrameRate: { num: 30000, den: 1001 },
      pixFmt: 'yuv420p',
      colorTransfer: null,
      colorPrimaries: null,
      colorSpace: null,
      fieldOrder: null,
    },
  },
  defaultProfile,
);

describe('buildMasterPlaylist', () => {
  it('lists every rung with its peak bandwidth, resolution, frame rate and codecs', () => {
    expect(buildMasterPlaylist(plan)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=2928000,RESOLUTION=1280x720,FRAME-RATE=29.970,CODECS="avc1.64001f,mp4a.40.2"',
        '720p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=1528000,RESOLUTION=854x480,FRAME-RATE=29.970,CODECS="avc1.64001f,mp4a.40.2"',
        '480p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=928000,RESOLUTION=640x360,FRAME-RATE=29.970,CODECS="avc1.64001e,mp4a.40.2"',
        '360p/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('adds the measured average bandwidth when it is known', () => {
    const text = buildMasterPlaylist(plan, { '720p': 1_234_567.4 });
    expect(text).toContain('#EXT-X-STREAM-INF:BANDWIDTH=2928000,AVERAGE-BANDWIDTH=1234567,RESOLUTION=1280x720,');
    expect(text).toContain('#EXT-X-STREAM-INF:BANDWIDTH=1528000,RESOLUTION=854x480,');
  });
});
