import { describe, expect, it } from 'vitest';
import { chooseFrameRate, fitOutput, planLadder } from './ladder.planner.js';
import { defaultProfile } from './ladder.profile.js';
import type { ProbeResult, VideoStreamInfo } from './probe.js';

const source = (video: Partial<VideoStreamInfo>, over: Partial<ProbeResult> = {}): ProbeResult => ({
  container: 'mov',
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSec: 20,
  audio: { index: 1, codec: 'aac', channels: 2, sampleRate: 48000 },
  avStreams: 2,
  ...over,
  video: {
    index: 0,
    codec: 'h264',
    width: 1920,
    height: 1080,
    sar: { num: 1, den: 1 },
    rotation: 0,
    avgFrameRate: { num: 30, den: 1 },
    rFrameRate: { num: 30, den: 1 },
    pixFmt: 'yuv420p',
    colorTransfer: null,
    colorPrimaries: null,
    colorSpace: null,
    fieldOrder: 'progressive',
    ...video,
  },
});
const sizes = (p: ReturnType<typeof planLadder>) => p.renditions.map((r) => `${r.name} ${r.width}x${r.height}`);

describe('planLadder', () => {
  it('plans the four default rungs of a 1080p30 source with audio', () => {
    const plan = planLadder(source({}), defaultProfile);
    expect(plan.renditions).toEqual([
      {
        name: '1080p',
        width: 1920,
        height: 1080,
        maxKbps: 5000,
        bufsizeKbps: 10000,
        level: '4.0',
        codecs: 'avc1.640028,mp4a.40.2',
        bandwidth: 5_128_000,
      },
      {
        name: '720p',
        width: 1280,
        height: 720,
        maxKbps: 2800,
        bufsizeKbps: 5600,
        level: '3.1',
        codecs: 'avc1.64001f,mp4a.40.2',
        bandwidth: 2_928_000,
      },
      {
        name: '480p',
        width: 854,
        height: 480,
        maxKbps: 1400,
        bufsizeKbps: 2800,
        level: '3.1',
        codecs: 'avc1.64001f,mp4a.40.2',
        bandwidth: 1_528_000,
      },
      {
        name: '360p',
        width: 640,
        height: 360,
        maxKbps: 800,
        bufsizeKbps: 1600,
        level: '3.0',
        codecs: 'avc1.64001e,mp4a.40.2',
        bandwidth: 928_000,
      },
    ]);
    expect(plan).toMatchObject({
      container: 'mov',
      videoStream: 0,
      audioStream: 1,
      durationSec: 20,
      source: { width: 1920, height: 1080 },
      fps: { num: 30, den: 1 },
      gopFrames: 60,
      segmentSec: 2,
      deinterlace: false,
      toneMap: null,
      prescale: null,
      audio: { kbps: 128, channels: 2, sampleRate: 48000 },
      encoder: { preset: 'veryfast', crf: 23 },
      // 10–40 % of 20 s is 180 frames; every 6th is a candidate.
      poster: { startSec: 2, endSec: 8, step: 6, candidates: 30 },
      storyboard: { intervalSec: 1, count: 20, columns: 10, rows: 2, tileWidth: 160, tileHeight: 90 },
    });
  });

  it('gives a portrait phone video (stored landscape, rotated 90°) portrait renditions', () => {
    const plan = planLadder(source({ rotation: 90 }), defaultProfile);
    expect(sizes(plan)).toEqual(['1080p 1080x1920', '720p 720x1280', '480p 480x854', '360p 360x640']);
    expect(plan.source).toEqual({ width: 1080, height: 1920 });
    // ffmpeg applies the rotation while decoding, so the frames already are the top rung.
    expect(plan.prescale).toBeNull();
    expect(plan.storyboard).toMatchObject({ tileWidth: 90, tileHeight: 160 });
  });

  it('scales a 4K 60 fps HDR source down once, tone-maps it, and raises caps and levels for 60 fps', () => {
    const plan = planLadder(
      source(
        {
          codec: 'hevc',
          width: 3840,
          height: 2160,
          avgFrameRate: { num: 60, den: 1 },
          rFrameRate: { num: 60, den: 1 },
          pixFmt: 'yuv420p10le',
          colorTransfer: 'smpte2084',
          colorPrimaries: 'bt2020',
          colorSpace: 'bt2020nc',
        },
        { audio: null },
      ),
      defaultProfile,
    );
    expect(plan.renditions.map((r) => [r.name, r.maxKbps, r.level, r.codecs, r.bandwidth])).toEqual([
      ['1080p', 7500, '4.2', 'avc1.64002a', 7_500_000],
      ['720p', 4200, '3.2', 'avc1.640020', 4_200_000],
      ['480p', 2100, '3.1', 'avc1.64001f', 2_100_000],
      ['360p', 1200, '3.1', 'avc1.64001f', 1_200_000],
    ]);
    expect(plan.prescale).toEqual({ width: 1920, height: 1080 });
    expect(plan.toneMap).toEqual({ transfer: 'smpte2084', primaries: 'bt2020', matrix: 'bt2020nc' });
    expect(plan.gopFrames).toBe(120);
    expect(plan.audio).toBeNull();
    expect(plan.audioStream).toBeNull();
  });

  it('never upscales: a 720p source starts at 720p', () => {
    expect(sizes(planLadder(source({ width: 1280, height: 720 }), defaultProfile))).toEqual([
      '720p 1280x720',
      '480p 854x480',
      '360p 640x360',
    ]);
  });

  it('makes a source between rungs its own top rung, with a cap scaled by pixels from the rung above', () => {
    const plan = planLadder(source({ width: 1000, height: 562 }), defaultProfile);
    expect(sizes(plan)).toEqual(['562p 1000x562', '480p 854x480', '360p 640x360']);
    expect(plan.renditions[0]?.maxKbps).toBe(1706); // 2800 × (562/720)² = 1705.98
  });

  it('rounds an odd-sized source down to even dimensions, never above it', () => {
    const plan = planLadder(
      source({ width: 321, height: 241, avgFrameRate: { num: 25, den: 1 } }, { audio: null }),
      defaultProfile,
    );
    expect(plan.renditions).toEqual([
      {
        name: '240p',
        width: 320,
        height: 240,
        maxKbps: 356,
        bufsizeKbps: 712,
        level: '1.3',
        codecs: 'avc1.64000d',
        bandwidth: 356_000,
      },
    ]);
    expect(plan.prescale).toEqual({ width: 320, height: 240 });
  });

  it('makes anamorphic PAL square and deinterlaces it', () => {
    const plan = planLadder(
      source({
        codec: 'mpeg2video',
        width: 720,
        height: 576,
        sar: { num: 64, den: 45 },
        fieldOrder: 'tt',
        avgFrameRate: { num: 25, den: 1 },
        rFrameRate: { num: 25, den: 1 },
      }),
      defaultProfile,
    );
    expect(sizes(plan)).toEqual(['576p 1024x576', '480p 854x480', '360p 640x360']);
    expect(plan.source).toEqual({ width: 1024, height: 576 });
    expect(plan.prescale).toEqual({ width: 1024, height: 576 });
    expect(plan.deinterlace).toBe(true);
    expect(plan.gopFrames).toBe(50);
  });

  it('spreads the storyboard over at most 100 tiles and the poster candidates over the window', () => {
    const plan = planLadder(source({}, { durationSec: 3600 }), defaultProfile);
    expect(plan.storyboard).toEqual({
      intervalSec: 36,
      count: 100,
      columns: 10,
      rows: 10,
      tileWidth: 160,
      tileHeight: 90,
    });
    expect(plan.poster).toEqual({ startSec: 360, endSec: 1440, step: 1080, candidates: 30 });
  });

  it('keeps the poster window one frame long on a very short clip', () => {
    expect(planLadder(source({}, { durationSec: 0.1 }), defaultProfile).poster).toEqual({
      startSec: 0.01,
      endSec: 0.043,
      step: 1,
      candidates: 2,
    });
  });
});

describe('planLadder: bounded cost and playable outputs', () => {
  const uhdProfile = { ...defaultProfile, rungs: [{ shortSide: 2160, maxKbps: 16000 }, ...defaultProfile.rungs] };
  const levels = (p: ReturnType<typeof planLadder>) => p.renditions.map((r) => r.level);

  it('caps every output at the probed duration plus a segment, and budgets frames and time from it', () => {
    const plan = planLadder(source({}), defaultProfile);
    expect(plan.maxOutputSec).toBe(22);
    // (20 s + 2 segments) × 30 fps; 60 s + 720 × ⅓ s.
    expect(plan.budget).toEqual({ maxFrames: 720, maxWallSec: 300 });
    const fast = planLadder(
      source({ avgFrameRate: { num: 60, den: 1 }, rFrameRate: { num: 60, den: 1 } }, { durationSec: 2 }),
      defaultProfile,
    );
    expect([fast.maxOutputSec, fast.budget]).toEqual([4, { maxFrames: 360, maxWallSec: 180 }]);
  });

  it('refuses 16000x64 (and its portrait twin): fitted to 4096 wide, it would be 16 px tall', () => {
    for (const [width, height] of [
      [16000, 64],
      [64, 16000],
    ]) {
      expect(() => planLadder(source({ width, height }), defaultProfile)).toThrowError(
        expect.objectContaining({
          code: 'UNSUPPORTED_DIMENSIONS',
          retryable: false,
          message: `the video is ${width}x${height}; fitted within 4096 px and H.264 level 5.1 its short side would be under 64 px`,
        }),
      );
    }
  });

  it('refuses a picture smaller than the minimum even when nothing needs fitting', () => {
    expect(() => planLadder(source({ width: 96, height: 48 }), defaultProfile)).toThrowError(
      expect.objectContaining({ code: 'UNSUPPORTED_DIMENSIONS' }),
    );
    expect(sizes(planLadder(source({ width: 128, height: 64 }), defaultProfile))).toEqual(['64p 128x64']);
  });

  it('scales a panorama down to 4096 wide, keeping its shape, every rung within level 5.1', () => {
    const plan = planLadder(source({ width: 8000, height: 1080 }), defaultProfile);
    expect(sizes(plan)).toEqual(['552p 4088x552', '480p 3554x480', '360p 2666x360']);
    // 256 × 35 macroblocks: more than level 4.2 holds in a frame.
    expect(levels(plan)).toEqual(['5.0', '4.0', '3.2']);
    expect(plan.prescale).toEqual({ width: 4088, height: 552 });
    expect(plan.source).toEqual({ width: 8000, height: 1080 });
  });

  it('honours a smaller longest side from the profile', () => {
    const plan = planLadder(source({ width: 8000, height: 1080 }), { ...defaultProfile, maxLongSide: 1920 });
    expect(sizes(plan)).toEqual(['258p 1912x258']);
  });

  it('fits 4096x2304 at 60 fps into level 5.1 macroblocks per second (16384 a frame): 2720x1530', () => {
    const plan = planLadder(
      source({ width: 4096, height: 2304, avgFrameRate: { num: 60, den: 1 }, rFrameRate: { num: 60, den: 1 } }),
      uhdProfile,
    );
    expect(sizes(plan)[0]).toBe('1530p 2720x1530');
    // 170 × 96 macroblocks × 60 fps = 979,200 ≤ 983,040.
    expect(plan.renditions[0]?.level).toBe('5.1');
    expect(levels(plan).every((l) => Number(l) <= 5.1)).toBe(true);
  });

  it('fits 4096x2304 at 30 fps into level 5.1 frame size: 3840x2160', () => {
    const plan = planLadder(source({ width: 4096, height: 2304 }), uhdProfile);
    expect(sizes(plan)).toEqual([
      '2160p 3840x2160',
      '1080p 1920x1080',
      '720p 1280x720',
      '480p 854x480',
      '360p 640x360',
    ]);
    expect(plan.renditions[0]?.level).toBe('5.1');
  });
});

describe('fitOutput', () => {
  it('returns a source that already fits unchanged, odd or not', () => {
    expect(fitOutput({ width: 1023.6, height: 575 }, 25, 4096)).toEqual({ width: 1023.6, height: 575 });
    // DCI 4K fits level 5.1 at 25 fps, not at 30 (256 × 135 macroblocks × 30 > 983,040).
    expect(fitOutput({ width: 4096, height: 2160 }, 25, 4096)).toEqual({ width: 4096, height: 2160 });
    expect(fitOutput({ width: 4096, height: 2160 }, 30, 4096)).toEqual({ width: 3974, height: 2096 });
  });

  it('shrinks to even pixels that still fit once rounded up to whole macroblocks', () => {
    expect(fitOutput({ width: 2304, height: 4096 }, 60, 4096)).toEqual({ width: 1530, height: 2720 });
    expect(fitOutput({ width: 16000, height: 64 }, 30, 4096)).toEqual({ width: 4000, height: 16 });
  });
});

describe('chooseFrameRate', () => {
  const r = (num: number, den = 1) => ({ num, den });

  it('keeps a constant rate exactly', () => {
    expect(chooseFrameRate({ avg: r(30000, 1001), base: r(30000, 1001) }, 60)).toEqual(r(30000, 1001));
    expect(chooseFrameRate({ avg: r(25), base: r(25) }, 60)).toEqual(r(25));
  });

  it('turns VFR into the nominal rate, or the snapped average when the nominal one is implausible', () => {
    expect(chooseFrameRate({ avg: r(77, 3), base: r(30) }, 60)).toEqual(r(30));
    expect(chooseFrameRate({ avg: r(3030, 100), base: r(90000) }, 60)).toEqual(r(30));
    expect(chooseFrameRate({ avg: r(30), base: r(60) }, 60)).toEqual(r(30));
    expect(chooseFrameRate({ avg: r(45, 2), base: null }, 60)).toEqual(r(45, 2));
  });

  it('caps at 60 by a whole divisor', () => {
    expect(chooseFrameRate({ avg: r(120), base: r(120) }, 60)).toEqual(r(60));
    expect(chooseFrameRate({ avg: r(120000, 1001), base: r(120000, 1001) }, 60)).toEqual(r(60000, 1001));
    expect(chooseFrameRate({ avg: r(100), base: r(100) }, 60)).toEqual(r(50));
    expect(chooseFrameRate({ avg: r(240), base: r(240) }, 60)).toEqual(r(60));
  });

  it('falls back to 30 when the source states no rate', () => {
    expect(chooseFrameRate({ avg: null, base: null }, 60)).toEqual(r(30));
  });
});
