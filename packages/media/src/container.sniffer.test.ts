import { describe, expect, it } from 'vitest';
import { isWhitelistedFormat, SNIFF_BYTES, sniffContainer } from './container.sniffer.js';

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const box = (type: string, brand: string, size = 32) => bytes([0, 0, 0, size], type, brand, new Array(20).fill(0));

describe('sniffContainer', () => {
  it.each([
    ['mp4 (isom)', box('ftyp', 'isom'), 'mov', 'video/mp4'],
    ['QuickTime ftyp', box('ftyp', 'qt  '), 'mov', 'video/quicktime'],
    ['3GP', box('ftyp', '3gp5'), 'mov', 'video/3gpp'],
    ['3G2', box('ftyp', '3g2a'), 'mov', 'video/3gpp2'],
    ['QuickTime led by a wide box', box('wide', '\0\0\0\0', 8), 'mov', 'video/quicktime'],
    ['QuickTime led by moov', box('moov', '\0\0\0\0'), 'mov', 'video/quicktime'],
    ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], 'webm'), 'matroska', 'video/webm'],
    ['Matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x82, 0x88], 'matroska'), 'matroska', 'video/x-matroska'],
    ['MPEG program stream', bytes([0, 0, 1, 0xba, 0x44]), 'mpeg', 'video/mpeg'],
    ['AVI', bytes('RIFF', [1, 2, 3, 4], 'AVI LIST'), 'avi', 'video/x-msvideo'],
    ['FLV', bytes('FLV', [1, 5]), 'flv', 'video/x-flv'],
    ['ASF/WMV', bytes([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6]), 'asf', 'video/x-ms-asf'],
    ['Ogg', bytes('OggS', [0]), 'ogg', 'video/ogg'],
  ])('recognises %s', (_, head, container, contentType) => {
    expect(sniffContainer(head)).toEqual({ container, contentType });
  });

  it('recognises MPEG-TS by sync bytes 188 apart, and M2TS by sync bytes 192 apart after a 4-byte timestamp', () => {
    const ts = new Uint8Array(SNIFF_BYTES);
    for (const at of [0, 188, 376]) ts[at] = 0x47;
    expect(sniffContainer(ts)).toEqual({ container: 'mpegts', contentType: 'video/mp2t' });
    const m2ts = new Uint8Array(SNIFF_BYTES);
    for (const at of [4, 196, 388]) m2ts[at] = 0x47;
    expect(sniffContainer(m2ts)).toEqual({ container: 'mpegts', contentType: 'video/mp2t' });
  });

  it.each([
    ['text named .mp4', bytes('hello world, not a video')],
    ['an HLS playlist', bytes('#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n')],
    ['an ffconcat script', bytes('ffconcat version 1.0\nfile /etc/passwd\n')],
    ['a JPEG', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF')],
    ['a PNG', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])],
    ['a text starting with G (one lone TS sync byte)', bytes(`G${'x'.repeat(400)}`)],
    ['RIFF that is WAVE, not AVI', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ')],
    // No whitelisted demuxer reads an elementary stream, so it is refused here rather than by the transcoder.
    ['an MPEG-1/2 video elementary stream', bytes([0, 0, 1, 0xb3, 0x14, 0x00, 0xf0, 0x13], new Array(40).fill(0))],
    ['an ftyp box too small to hold a brand', box('ftyp', 'isom', 8)],
    ['a wide box with an impossible size', box('wide', '\0\0\0\0', 4)],
    ['three bytes', bytes([0x1a, 0x45, 0xdf])],
    ['nothing', new Uint8Array(0)],
  ])('refuses %s', (_, head) => {
    expect(sniffContainer(head)).toBeNull();
  });
});

describe('isWhitelistedFormat', () => {
  it('accepts a demuxer when one of its aliases is whitelisted', () => {
    expect(isWhitelistedFormat('mov,mp4,m4a,3gp,3g2,mj2')).toBe(true);
    expect(isWhitelistedFormat('matroska,webm')).toBe(true);
  });

  it('refuses playlists, concat scripts, images and elementary streams', () => {
    expect(isWhitelistedFormat('hls')).toBe(false);
    expect(isWhitelistedFormat('concat')).toBe(false);
    expect(isWhitelistedFormat('image2')).toBe(false);
    expect(isWhitelistedFormat('mpegvideo')).toBe(false);
  });
});
