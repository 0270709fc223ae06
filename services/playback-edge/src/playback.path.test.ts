import { describe, expect, it } from 'vitest';
import { cacheControlFor, playbackKey } from './playback.path.js';

describe('playbackKey', () => {
  it('maps a path under /videos/ to its object key, decoded', () => {
    expect(playbackKey('/videos/abc/1/hls/480p/seg_00001.m4s')).toBe('videos/abc/1/hls/480p/seg_00001.m4s');
    expect(playbackKey('/videos/abc/1/a%20b.mp4')).toBe('videos/abc/1/a b.mp4');
  });

  it.each([
    ['/', 'the root'],
    ['/videos', 'the prefix without a slash'],
    ['/videos/', 'the listing of videos/'],
    ['/videos/abc/', 'a folder'],
    ['/sources/abc/original', 'a key outside videos/'],
    ['/VIDEOS/abc/1/poster.jpg', 'another case'],
    ['/videos/../sources/abc/original', 'a dot-dot segment'],
    ['/videos/abc/%2e%2e/%2e%2e/sources/x', 'an encoded dot-dot'],
    ['/videos/abc/%2E%2E', 'an upper-case encoded dot-dot'],
    ['/videos/abc/./1', 'a dot segment'],
    ['/videos/abc%2f..%2f..%2fsources/x', 'an encoded slash'],
    ['/videos/abc/..%5csources', 'an encoded backslash'],
    ['/videos/abc/1/x%00.mp4', 'a NUL'],
    ['/videos//abc', 'an empty segment'],
    ['/videos/abc/%E0%A4%A', 'broken percent-encoding'],
  ])('refuses %s (%s)', (path) => {
    expect(playbackKey(path)).toBeNull();
  });
});

describe('cacheControlFor', () => {
  it('keeps playlists briefly and media for long', () => {
    expect(cacheControlFor('videos/a/1/hls/master.m3u8')).toBe('public, max-age=60');
    expect(cacheControlFor('videos/a/1/storyboard.vtt')).toBe('public, max-age=60');
    expect(cacheControlFor('videos/a/1/hls/480p/init.mp4')).toBe('public, max-age=86400, immutable');
    expect(cacheControlFor('videos/a/1/poster.jpg')).toBe('public, max-age=86400, immutable');
  });
});
