// Who can play what, end to end: FFmpeg plays a private video's HLS over HTTP through the playback edge with the
// owner's tokenized links, and nothing else opens it — no token, an expired one, another video's, a plain link after
// the owner made it private, any link after DELETE; a public video plays with no token; the store refuses anonymous
// reads, so the edge is the only way in.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Video } from '@reelforge/contracts';
import { signPlaybackToken } from '@reelforge/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { videoClip } from './media.clips.js';
import { Pipeline, PLAYBACK_SECRET } from './pipeline.stack.js';
import { playbackUrls } from './playback.walk.js';

const run = promisify(execFile);

let pipeline: Pipeline;
let owner: string;
let video: Video;
let other: Video;

/** FFmpeg as a player: reads the master and every stream of every variant to the end, copying, writing nothing. */
async function play(masterUrl: string): Promise<{ ok: boolean; stderr: string; seconds: number }> {
  try {
    const { stdout, stderr } = await run(
      'ffmpeg',
      // biome-ignore format: one FFmpeg command line
      ['-hide_banner', '-v', 'error', '-xerror', '-nostats', '-progress', 'pipe:1', '-i', masterUrl, '-map', '0', '-c', 'copy', '-f', 'null', '-'],
      { timeout: 60_000 },
    );
    const times = [...stdout.matchAll(/^out_time_us=(\d+)$/gm)].map((m) => Number(m[1]));
    return { ok: true, stderr, seconds: Math.max(0, ...times) / 1e6 };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: string }).stderr ?? err), seconds: 0 };
  }
}

/** The status and problem code the edge answers for a URL. */
async function answer(url: string): Promise<[number, string | undefined]> {
  const res = await fetch(url);
  const body = await res.text();
  const code = res.status === 200 ? undefined : (JSON.parse(body) as { code?: string }).code;
  return [res.status, code];
}

const tokenOf = (url: string) => /\/t\/([^/]+)\/videos\//.exec(url)?.[1];
const plain = (url: string) => url.replace(/\/t\/[^/]+\/videos\//, '/videos/');

beforeAll(async () => {
  pipeline = await Pipeline.create();
  await Promise.all(
    (['upload-api', 'dispatcher', 'completion', 'playback-edge'] as const).map((s) => pipeline.start(s)),
  );
  owner = await pipeline.register();
  const clip = await videoClip({ width: 320, height: 240, seconds: 2 });
  const [a, b] = await Promise.all([pipeline.upload(owner, clip, 'a.mp4'), pipeline.upload(owner, clip, 'b.mp4')]);
  [video, other] = await Promise.all([pipeline.settled(owner, a?.id ?? ''), pipeline.settled(owner, b?.id ?? '')]);
}, 180_000);

afterAll(() => pipeline?.close());

describe('playback access', () => {
  it('plays a private video with the tokenized links the owner reads, every file of it', async () => {
    expect([video.status, video.visibility, other.status]).toEqual(['ready', 'private', 'ready']);
    const hls = video.hls as string;
    expect(tokenOf(hls)).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);

    const played = await play(hls);
    expect(played).toMatchObject({ ok: true, stderr: '' });
    expect(played.seconds).toBeGreaterThan(1.5);

    // Every file a player may fetch (variants, init sections, segments, MP4s, poster, storyboard) opens under the token.
    const urls = await playbackUrls(video);
    expect(urls.every((u) => tokenOf(u) === tokenOf(hls))).toBe(true);
    expect(urls.filter((u) => u.endsWith('.m4s')).length).toBeGreaterThan(0);
    for (const url of urls) expect([url, (await answer(url))[0]]).toEqual([url, 200]);
  });

  it('refuses a private video without a token, with an expired token and with another video’s token', async () => {
    const hls = video.hls as string;
    expect(await answer(plain(hls))).toEqual([404, 'NOT_FOUND']);

    const expired = signPlaybackToken(PLAYBACK_SECRET, {
      videoId: video.id,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    expect(await answer(hls.replace(tokenOf(hls) as string, expired))).toEqual([403, 'TOKEN_EXPIRED']);

    const othersToken = tokenOf(other.hls as string) as string;
    expect(othersToken).not.toBe(tokenOf(hls));
    expect(await answer(hls.replace(tokenOf(hls) as string, othersToken))).toEqual([403, 'TOKEN_INVALID']);

    const refused = await play(plain(hls));
    expect(refused.ok).toBe(false);
  });

  it('refuses anonymous reads at the object store itself', async () => {
    const { hlsMasterKey } = await pipeline.videoRow(video.id);
    const { endpoint, processedBucket } = pipeline.store;
    const res = await fetch(`${endpoint}/${processedBucket}/${hlsMasterKey}`);
    await res.body?.cancel();
    expect(res.status).toBe(403);
    const listing = await fetch(`${endpoint}/${processedBucket}?list-type=2`);
    await listing.body?.cancel();
    expect(listing.status).toBe(403);
  });

  it('plays a public video without a token, and stops at once when the owner makes it private', async () => {
    const made = await pipeline.update(owner, other.id, { visibility: 'public' });
    const hls = made.hls as string;
    expect(tokenOf(hls)).toBeUndefined();
    const played = await play(hls);
    expect(played).toMatchObject({ ok: true, stderr: '' });
    expect(played.seconds).toBeGreaterThan(1.5);
    const urls = await playbackUrls(made);
    for (const url of urls) expect([url, (await answer(url))[0]]).toEqual([url, 200]);

    const back = await pipeline.update(owner, other.id, { visibility: 'private' });
    for (const url of urls) expect([url, (await answer(url))[0]]).toEqual([url, 404]);
    // The owner's fresh links carry a token again and play.
    expect(tokenOf(back.hls as string)).toBeDefined();
    expect((await play(back.hls as string)).ok).toBe(true);
  });

  it('refuses every link of a deleted video, its still-unexpired token included', async () => {
    const urls = await playbackUrls(video);
    await pipeline.remove(owner, video.id);
    for (const url of urls) expect([url, (await answer(url))[0]]).toEqual([url, 404]);
    expect((await play(video.hls as string)).ok).toBe(false);
  });
});
