// Nothing is lost when the stack stops: a second, isolated Reelforge (its own state dir and ports) takes a clip to
// ready, and every file a player fetches answers with the same bytes after `down`/`up` and after a SIGKILL of the
// object store.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApiClient } from './api.client.js';
import { isolatedStackForFile } from './isolated.stack.js';
import { videoClip } from './media.clips.js';
import { playbackUrls } from './playback.walk.js';

const isolated = isolatedStackForFile();

/** Each URL's status and sha256, fetched one after another (the same way a player would). */
async function fingerprint(urls: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const url of urls) {
    const res = await fetch(url);
    const body = Buffer.from(await res.arrayBuffer());
    out[url] = `${res.status} ${createHash('sha256').update(body).digest('hex')} ${body.length}`;
  }
  return out;
}

describe('durability of the local stack', () => {
  it('serves every file of a ready video, byte for byte, after down/up and after the store is killed', async () => {
    const running = isolated.stack();
    const api = new ApiClient(running.apiUrl);
    const token = await api.register();
    const upload = await api.upload(token, await videoClip({ width: 320, height: 240, seconds: 2 }), 'durable.mp4');
    const video = await api.settled(token, upload.id, 240_000);
    expect(video.status).toBe('ready');

    const urls = await playbackUrls(video);
    // master, ≥1 variant playlist with its init and segments, MP4, poster, storyboard image and index
    expect(urls.length).toBeGreaterThanOrEqual(8);
    // A private video: every link is under its playback token, through the edge.
    expect(urls.every((u) => new RegExp(`^${running.edgeUrl}/t/[^/]+/videos/${upload.id}/`).test(u))).toBe(true);
    const before = await fingerprint(urls);
    expect(Object.values(before).every((f) => f.startsWith('200 ') && !f.endsWith(' 0'))).toBe(true);

    await running.down();
    expect(await running.pid('s3')).toBeUndefined();
    await running.up();
    expect(await fingerprint(urls)).toEqual(before);
    // The same file; its token is minted per read and may carry a later expiry.
    const untokened = (url: string | null | undefined) => url?.replace(/\/t\/[^/]+\//, '/');
    const after = await api.video(token, upload.id);
    expect([after.status, untokened(after.hls)]).toEqual(['ready', untokened(video.hls)]);

    await running.kill('s3');
    await running.up();
    expect(await fingerprint(urls)).toEqual(before);
  }, 600_000);
});
