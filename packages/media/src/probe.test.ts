import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { lastPacketEnd, parseProbeOutput, safeInputArgs } from './probe.js';

// Trimmed from `ffprobe -show_format -show_streams -of json` of a phone clip with cover art and two audio tracks.
const phone = {
  streams: [
    {
      index: 0,
      codec_type: 'video',
      codec_name: 'mjpeg',
      width: 600,
      height: 600,
      disposition: { default: 0, attached_pic: 1 },
    },
    {
      index: 1,
      codec_type: 'video',
      codec_name: 'hevc',
      width: 1920,
      height: 1080,
      sample_aspect_ratio: '1:1',
      avg_frame_rate: '2997/100',
      r_frame_rate: '30/1',
      pix_fmt: 'yuv420p10le',
      color_transfer: 'arib-std-b67',
      color_primaries: 'bt2020',
      color_space: 'bt2020nc',
      field_order: 'progressive',
      disposition: { default: 1, attached_pic: 0 },
      side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }],
    },
    { index: 2, codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '48000' },
    { index: 3, codec_type: 'audio', codec_name: 'aac', channels: 1, sample_rate: '44100' },
  ],
  format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '12.345000', size: '1000' },
};

describe('parseProbeOutput', () => {
  it('takes the real video (not the cover art), its rotation, rates and colour, and the first audio track', () => {
    const probe = parseProbeOutput(phone, 'mov');
    expect(probe).toEqual({
      container: 'mov',
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSec: 12.345,
      video: {
        index: 1,
        codec: 'hevc',
        width: 1920,
        height: 1080,
        sar: { num: 1, den: 1 },
        rotation: 270,
        avgFrameRate: { num: 2997, den: 100 },
        rFrameRate: { num: 30, den: 1 },
        pixFmt: 'yuv420p10le',
        colorTransfer: 'arib-std-b67',
        colorPrimaries: 'bt2020',
        colorSpace: 'bt2020nc',
        fieldOrder: 'progressive',
      },
      audio: { index: 2, codec: 'aac', channels: 2, sampleRate: 48000 },
    });
  });

  it('reads the legacy rotate tag, a missing duration and an unknown SAR', () => {
    const probe = parseProbeOutput(
      {
        streams: [
          {
            index: 0,
            codec_type: 'video',
            codec_name: 'h264',
            width: 640,
            height: 480,
            sample_aspect_ratio: '0:1',
            tags: { rotate: '90' },
          },
        ],
        format: { format_name: 'matroska,webm' },
      },
      'matroska',
    );
    expect(probe.durationSec).toBeNull();
    expect(probe.audio).toBeNull();
    expect(probe.video?.rotation).toBe(90);
    expect(probe.video?.sar).toEqual({ num: 1, den: 1 });
  });

  it('has no video when the only picture is cover art', () => {
    const probe = parseProbeOutput({ streams: [phone.streams[0], phone.streams[2]], format: phone.format }, 'mov');
    expect(probe.video).toBeNull();
    expect(probe.audio?.index).toBe(2);
  });

  it('refuses output it cannot read as corrupt input', () => {
    expect(() => parseProbeOutput({ streams: [] }, 'mov')).toThrowError(AppError);
  });
});

describe('safeInputArgs', () => {
  it('forces the sniffed demuxer, the whitelist and the file protocol', () => {
    expect(safeInputArgs('mov', '/in/http:evil.mp4')).toEqual([
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'mov,matroska,mpegts,mpeg,avi,flv,asf,ogg',
      '-f',
      'mov',
      '-i',
      'file:/in/http:evil.mp4',
    ]);
  });
});

describe('lastPacketEnd', () => {
  it('is the end of the latest packet, whatever the order', () => {
    expect(lastPacketEnd('0.000000,0.033333\n0.066667,0.033333\n0.033333,0.033333\n')).toBeCloseTo(0.1, 6);
    expect(lastPacketEnd('N/A,N/A\n')).toBeNull();
  });
});
