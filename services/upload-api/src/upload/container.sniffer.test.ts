import { describe, expect, it } from 'vitest';
import { sniffContainer } from './container.sniffer.js';

const box = (type: string, brand: string) => {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(32, 0);
  b.write(type, 4, 'latin1');
  b.write(brand, 8, 'latin1');
  return b;
};

const ts = (packet: number, offset: number, packets: number) => {
  const b = Buffer.alloc(packet * packets, 0xff);
  for (let i = 0; i < packets; i++) b[offset + i * packet] = 0x47;
  return b;
};

describe('sniffContainer', () => {
  it.each([
    ['mp4 (isom)', box('ftyp', 'isom'), 'mp4', 'video/mp4'],
    ['QuickTime ftyp', box('ftyp', 'qt  '), 'mov', 'video/quicktime'],
    ['3GP', box('ftyp', '3gp5'), '3gp', 'video/3gpp'],
    ['3G2', box('ftyp', '3g2a'), '3g2', 'video/3gpp2'],
    ['QuickTime without ftyp', box('moov', '\0\0\0\0'), 'mov', 'video/quicktime'],
    [
      'WebM',
      Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from('webm')]),
      'webm',
      'video/webm',
    ],
    [
      'Matroska',
      Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x82, 0x88]), Buffer.from('matroska')]),
      'matroska',
      'video/x-matroska',
    ],
    ['MPEG-TS', ts(188, 0, 3), 'mpegts', 'video/mp2t'],
    ['M2TS', ts(192, 4, 3), 'm2ts', 'video/mp2t'],
    ['AVI', Buffer.from('RIFF\x10\x00\x00\x00AVI LIST', 'latin1'), 'avi', 'video/x-msvideo'],
    ['MPEG-PS', Buffer.from([0x00, 0x00, 0x01, 0xba, 0x44, 0x00]), 'mpeg', 'video/mpeg'],
    ['FLV', Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05]), 'flv', 'video/x-flv'],
    ['ASF', Buffer.from([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6]), 'asf', 'video/x-ms-asf'],
    ['Ogg', Buffer.from('OggS\x00\x02', 'latin1'), 'ogg', 'video/ogg'],
  ])('recognises %s', (_name, head, format, contentType) => {
    expect(sniffContainer(head)).toEqual({ format, contentType });
  });

  it.each([
    ['plain text', Buffer.from('hello, this is not a video at all, just some words.\n')],
    ['a WAVE file (RIFF but not AVI)', Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1')],
    ['a PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])],
    ['text starting with G', Buffer.from(`G${'x'.repeat(400)}`)],
    [
      'an ftyp box too small to hold a brand',
      (() => {
        const b = box('ftyp', 'isom');
        b.writeUInt32BE(8, 0);
        return b;
      })(),
    ],
    ['nothing', Buffer.alloc(0)],
  ])('refuses %s', (_name, head) => {
    expect(sniffContainer(head)).toBeNull();
  });
});
