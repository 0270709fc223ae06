import { AppError } from '@reelforge/contracts';
import { describe, expect, it } from 'vitest';
import { decoderWhitelist } from './codec.whitelist.js';
import { lastPacketEnd, parseProbeOutput, probeRefusal, safeInputArgs } from './probe.js';

// Trimmed from `ffprobe -show_format -show_streams -of json` of a phone clip with cover art, two audio tracks, a
// subtitle track and a timecode track.
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
    { index: 4, codec_type: 'subtitle', codec_name: 'mov_text' },
    { index: 5, codec_type: 'data', codec_tag_string: 'tmcd' },
  ],
  format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '12.345000', size: '1000' },
};

describe('parseProbeOutput', () => {
  it('takes the real video (not the cover art), its rotation, rates and colour, the first audio track, and counts the video and audio streams', () => {
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
      avStreams: 4,
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
      '-codec_whitelist',
      decoderWhitelist.join(','),
      '-probesize',
      '5000000',
      '-analyzeduration',
      '5000000',
      '-max_streams',
      '100',
      '-f',
      'mov',
      '-i',
      'file:/in/http:evil.mp4',
    ]);
  });

  it('reads a URL over its own scheme only, checking its certificate, resuming a dropped connection', () => {
    const url = new URL('https://store.example/raw/v1?X-Amz-Signature=abc');
    const args = safeInputArgs('matroska', url);
    expect(args.slice(0, 2)).toEqual(['-protocol_whitelist', 'https,tls,tcp']);
    expect(args.slice(-12)).toEqual([
      '-reconnect',
      '1',
      '-reconnect_on_network_error',
      '1',
      '-reconnect_delay_max',
      '4',
      '-tls_verify',
      '1',
      '-f',
      'matroska',
      '-i',
      'https://store.example/raw/v1?X-Amz-Signature=abc',
    ]);
    const local = safeInputArgs('mov', new URL('http://127.0.0.1:9000/raw/v1'));
    expect(local.slice(0, 2)).toEqual(['-protocol_whitelist', 'http,tcp']);
    expect(local).not.toContain('-tls_verify');
    expect(() => safeInputArgs('mov', new URL('ftp://x/y'))).toThrow(RangeError);
  });
});

describe('probeRefusal', () => {
  it('names too many streams, a codec off the whitelist, or else a corrupt file, without the host path', () => {
    const refusal = (stderr: string) => probeRefusal('matroska', stderr).toJSON();
    expect(
      refusal(
        '[matroska,webm @ 0x55ccdd2466c0] Number of streams exceeds max_streams parameter (100), see the documentation\n' +
          'file:/scratch/rf-1/source: Cannot allocate memory\n',
      ),
    ).toEqual({ code: 'TOO_MANY_STREAMS', message: 'the file has more than 100 streams', retryable: false });
    expect(refusal("[xbm @ 0x55fb34cdca80] Codec (xbm) not on whitelist 'h264,aac'\n")).toEqual({
      code: 'UNSUPPORTED_CODEC',
      message: 'the xbm codec is not accepted',
      retryable: false,
    });
    expect(refusal('file:/scratch/rf-1/source: Invalid data found when processing input\n')).toEqual({
      code: 'CORRUPT_INPUT',
      message: 'the matroska file could not be read: Invalid data found when processing input',
      retryable: false,
    });
  });
});

describe('lastPacketEnd', () => {
  it('is the end of the latest packet, whatever the order', () => {
    expect(lastPacketEnd('0.000000,0.033333\n0.066667,0.033333\n0.033333,0.033333\n')).toBeCloseTo(0.1, 6);
    expect(lastPacketEnd('N/A,N/A\n')).toBeNull();
  });
});
