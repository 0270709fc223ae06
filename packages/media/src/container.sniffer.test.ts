import { describe, expect, it } from 'vitest';
import { isWhitelistedFormat, sniffContainer } from './container.sniffer.js';

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('sniffContainer', () => {
  it.each([
    ['mp4 (ftyp first)', bytes([0, 0, 0, 0x20], 'ftypisom'), 'mov'],
    ['QuickTime led by a wide box', bytes([0, 0, 0, 8], 'wide'), 'mov'],
    ['Matroska/WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f]), 'matroska'],
    ['MPEG program stream', bytes([0, 0, 1, 0xba, 0x44]), 'mpeg'],
    ['AVI', bytes('RIFF', [1, 2, 3, 4], 'AVI LIST'), 'avi'],
    ['FLV', bytes('FLV', [1, 5]), 'flv'],
    ['ASF/WMV', bytes([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6]), 'asf'],
    ['Ogg', bytes('OggS', [0]), 'ogg'],
  ])('recognises %s', (_, head, container) => {
    expect(sniffContainer(head)).toBe(container);
  });

  it('recognises MPEG-TS by sync bytes 188 apart, and M2TS by sync bytes 192 apart after a 4-byte timestamp', () => {
    const ts = new Uint8Array(188 * 3);
    for (const at of [0, 188, 376]) ts[at] = 0x47;
    expect(sniffContainer(ts)).toBe('mpegts');
    const m2ts = new Uint8Array(192 * 3);
    for (const at of [4, 196, 388]) m2ts[at] = 0x47;
    expect(sniffContainer(m2ts)).toBe('mpegts');
  });

  it.each([
    ['text named .mp4', bytes('hello world, not a video')],
    ['an HLS playlist', bytes('#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n')],
    ['an ffconcat script', bytes('ffconcat version 1.0\nfile /etc/passwd\n')],
    ['a JPEG', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF')],
    ['a text starting with G (one lone TS sync byte)', bytes('GET / HTTP/1.1')],
    ['RIFF that is WAVE, not AVI', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ')],
    ['three bytes', bytes([0x1a, 0x45, 0xdf])],
  ])('refuses %s', (_, head) => {
    expect(sniffContainer(head)).toBeNull();
  });
});

describe('isWhitelistedFormat', () => {
  it('accepts a demuxer when one of its aliases is whitelisted', () => {
    expect(isWhitelistedFormat('mov,mp4,m4a,3gp,3g2,mj2')).toBe(true);
    expect(isWhitelistedFormat('matroska,webm')).toBe(true);
  });

  it('refuses playlists, concat scripts and images', () => {
    expect(isWhitelistedFormat('hls')).toBe(false);
    expect(isWhitelistedFormat('concat')).toBe(false);
    expect(isWhitelistedFormat('image2')).toBe(false);
  });
});
