import { describe, expect, it } from 'vitest';
import { contentTypeOf } from './outputs.uploader.js';

describe('contentTypeOf', () => {
  it('serves each output with the type players and CDNs expect', () => {
    expect(
      [
        'master.m3u8',
        '720p/seg_00001.m4s',
        '720p/init.mp4',
        'poster.jpg',
        'storyboard.vtt',
        'manifest.json',
        'x.bin',
      ].map(contentTypeOf),
    ).toEqual([
      'application/vnd.apple.mpegurl',
      'video/iso.segment',
      'video/mp4',
      'image/jpeg',
      'text/vtt',
      'application/json',
      'application/octet-stream',
    ]);
  });
});
