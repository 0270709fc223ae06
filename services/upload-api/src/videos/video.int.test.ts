// Reading, listing, changing and deleting videos against the real database and S3: visibility rules, cursor
// pages, the read model of a ready video, and a delete that removes every object.

import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { RenditionRepository, VideoRepository } from '@reelforge/db';
import { listKeys, putStream, sourceKey, videoPrefix } from '@reelforge/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, multipart, register, startHarness, testVideo } from '../api.harness.js';

let h: Harness;
let clip: Buffer;
let alice: Awaited<ReturnType<typeof register>>;
let bob: Awaited<ReturnType<typeof register>>;

beforeAll(async () => {
  [h, clip] = await Promise.all([startHarness(), testVideo()]);
  [alice, bob] = await Promise.all([register(h.app, 'alice@example.com'), register(h.app, 'bob@example.com')]);
});
afterAll(async () => h?.close());

async function uploadAs(auth: Record<string, string>, title: string): Promise<string> {
  const body = multipart([
    { name: 'title', value: title },
    { name: 'file', filename: 'clip.mp4', content: clip },
  ]);
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/videos',
    headers: { ...body.headers, ...auth },
    payload: body.payload,
  });
  expect(res.statusCode).toBe(202);
  return res.json().id;
}
const get = (id: string, auth: Record<string, string> = {}) =>
  h.app.inject({ method: 'GET', url: `/v1/videos/${id}`, headers: auth });
const patch = (id: string, payload: object | string, auth = alice.auth) =>
  h.app.inject({
    method: 'PATCH',
    url: `/v1/videos/${id}`,
    headers: { ...auth, 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

describe('visibility', () => {
  it('shows a private video to its owner only; others, signed in or not, get 404', async () => {
    const id = await uploadAs(alice.auth, 'private one');
    expect((await get(id, alice.auth)).statusCode).toBe(200);
    for (const res of [await get(id, bob.auth), await get(id)]) {
      expect([res.statusCode, res.json().code]).toEqual([404, 'NOT_FOUND']);
    }
    // Same answer as for an id that does not exist.
    expect((await get('00000000-0000-4000-8000-000000000000', bob.auth)).json().detail).toBe(
      (await get(id, bob.auth)).json().detail,
    );
  });

  it('lets anyone read a video its owner made public, and only the owner change or delete it', async () => {
    const id = await uploadAs(alice.auth, 'public one');
    const made = await patch(id, { visibility: 'public', title: 'For everyone', description: 'hello' });
    expect([made.statusCode, made.json().visibility, made.json().title]).toEqual([200, 'public', 'For everyone']);
    expect((await get(id)).json()).toMatchObject({ title: 'For everyone', description: 'hello' });
    expect((await get(id, bob.auth)).statusCode).toBe(200);
    expect((await patch(id, { title: 'mine now' }, bob.auth)).statusCode).toBe(404);
    const del = await h.app.inject({ method: 'DELETE', url: `/v1/videos/${id}`, headers: bob.auth });
    expect([del.statusCode, del.json().code]).toEqual([404, 'NOT_FOUND']);
    expect((await get(id)).json().title).toBe('For everyone');
  });

  it('refuses malformed JSON and empty changes with 400, changing nothing', async () => {
    const id = await uploadAs(alice.auth, 'unchanged');
    for (const body of ['{"title": ', {}, { visibility: 'secret' }, { owner: 'bob' }]) {
      const res = await patch(id, body);
      expect([res.statusCode, res.json().code]).toEqual([400, 'BAD_REQUEST']);
    }
    expect((await get(id, alice.auth)).json().title).toBe('unchanged');
  });
});

describe('engagement', () => {
  it("shows the views the lake counted and users' likes, 0 when none, in a page too", async () => {
    const dave = await register(h.app, 'dave@example.com');
    const watched = await uploadAs(dave.auth, 'watched');
    const unwatched = await uploadAs(dave.auth, 'unwatched');
    await h.db.insertInto('videoEngagement').values({ videoId: watched, views: 12 }).execute();
    for (const user of [dave, await register(h.app, 'erin@example.com')]) {
      await h.db.insertInto('videoLikes').values({ videoId: watched, userId: user.userId }).execute();
    }
    expect((await get(watched, dave.auth)).json()).toMatchObject({ views: 12, likes: 2 });
    expect((await get(unwatched, dave.auth)).json()).toMatchObject({ views: 0, likes: 0 });
    const page = (await h.app.inject({ method: 'GET', url: '/v1/videos', headers: dave.auth })).json();
    expect(page.items.map((v: { title: string; views: number; likes: number }) => [v.title, v.views, v.likes])).toEqual(
      [
        ['unwatched', 0, 0],
        ['watched', 12, 2],
      ],
    );
  });
});

describe('GET /v1/videos', () => {
  it("lists the caller's own videos, newest first, a page at a time", async () => {
    const carol = await register(h.app, 'carol@example.com');
    const ids = [];
    for (const title of ['first', 'second', 'third']) ids.push(await uploadAs(carol.auth, title));
    await uploadAs(bob.auth, 'not carol');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = (await h.app.inject({ method: 'GET', url: `/v1/videos${query}`, headers: carol.auth })).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((v: { title: string }) => v.title));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['third', 'second', 'first']);
    const bad = await h.app.inject({ method: 'GET', url: '/v1/videos?cursor=garbage', headers: carol.auth });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'BAD_REQUEST']);
  });
});

describe('a ready video', () => {
  it('links HLS, renditions, poster and storyboard with presigned URLs that fetch the files', async () => {
    const id = await uploadAs(alice.auth, 'ready');
    const root = `${videoPrefix(id)}1/`;
    const files = ['master.m3u8', '360p.mp4', '720p.mp4', 'poster.jpg', 'sprite.jpg', 'sprite.vtt'];
    for (const f of files)
      await putStream(h.s3, { bucket: h.processed, key: root + f }, Readable.from([`content of ${f}`]));
    // What the completion service does once a transcode succeeds.
    const videos = new VideoRepository(h.db);
    await videos.transition(id, ['uploaded'], 'queued');
    await h.db.transaction().execute(async (tx) => {
      await videos.markReady(tx, id, 1, {
        hlsMasterKey: `${root}master.m3u8`,
        posterKey: `${root}poster.jpg`,
        spriteKey: `${root}sprite.jpg`,
        vttKey: `${root}sprite.vtt`,
        durationSec: 1,
        width: 320,
        height: 240,
      });
      await new RenditionRepository(h.db).replaceForVideo(tx, id, 1, [
        {
          name: '720p',
          width: 1280,
          height: 720,
          bitrateKbps: 3000,
          codecs: 'avc1',
          mp4Key: `${root}720p.mp4`,
          playlistKey: `${root}720p/index.m3u8`,
          bytes: 10,
        },
        {
          name: '360p',
          width: 640,
          height: 360,
          bitrateKbps: 800,
          codecs: 'avc1',
          mp4Key: `${root}360p.mp4`,
          playlistKey: `${root}360p/index.m3u8`,
          bytes: 10,
        },
      ]);
    });

    const video = (await get(id, alice.auth)).json();
    expect(video).toMatchObject({
      status: 'ready',
      progressPct: 100,
      source: { durationSec: 1, width: 320, height: 240 },
    });
    expect(video.renditions.map((r: { name: string; bitrateKbps: number }) => [r.name, r.bitrateKbps])).toEqual([
      ['360p', 800],
      ['720p', 3000],
    ]);
    const fetched = async (url: string) => (await fetch(url)).text();
    expect(await fetched(video.hls)).toBe('content of master.m3u8');
    expect(await fetched(video.renditions[1].mp4)).toBe('content of 720p.mp4');
    expect(await fetched(video.poster)).toBe('content of poster.jpg');
    expect(await fetched(video.storyboard.image)).toBe('content of sprite.jpg');
    expect(await fetched(video.storyboard.vtt)).toBe('content of sprite.vtt');
  });
});

describe('DELETE /v1/videos/:id', () => {
  it('removes the rows, the original and every processed object, and nothing of other videos', async () => {
    const keep = await uploadAs(alice.auth, 'keep');
    const id = await uploadAs(alice.auth, 'doomed');
    for (const key of [
      `${videoPrefix(id)}1/master.m3u8`,
      `${videoPrefix(id)}2/poster.jpg`,
      `${videoPrefix(keep)}1/poster.jpg`,
    ]) {
      await putStream(h.s3, { bucket: h.processed, key }, Readable.from(['x']));
    }
    const res = await h.app.inject({ method: 'DELETE', url: `/v1/videos/${id}`, headers: alice.auth });
    expect(res.statusCode).toBe(204);
    expect((await get(id, alice.auth)).statusCode).toBe(404);
    expect(await listKeys(h.s3, h.raw, sourceKey(id))).toEqual([]);
    expect(await listKeys(h.s3, h.processed, videoPrefix(id))).toEqual([]);
    expect(await listKeys(h.s3, h.raw, sourceKey(keep))).toEqual([sourceKey(keep)]);
    expect(await listKeys(h.s3, h.processed, videoPrefix(keep))).toEqual([`${videoPrefix(keep)}1/poster.jpg`]);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/videos/${id}`, headers: alice.auth })).statusCode).toBe(
      404,
    );
  });
});

describe('compute', () => {
  it('shows the owner the task seconds of every attempt and part and their estimated cost; no one else', async () => {
    const id = await uploadAs(alice.auth, 'costly');
    expect((await patch(id, { visibility: 'public' })).statusCode).toBe(200);
    const jobId = async (attempt: number, taskSeconds: number, chunkCount: number | null) => {
      const jid = randomUUID();
      await h.db
        .insertInto('transcodeJobs')
        .values({
          id: jid,
          videoId: id,
          attempt,
          status: 'succeeded',
          launcher: 'local',
          taskId: null,
          launchToken: null,
          launchAfter: null,
          capacityWaits: 0,
          jobToken: 'a'.repeat(64),
          chunkCount,
          taskSeconds,
          taskCpu: 2048,
          taskMemoryMib: 4096,
          deadlineAt: new Date(),
          startedAt: null,
          finishedAt: null,
          exitCode: null,
          errorCode: null,
          errorMessage: null,
          createdAt: new Date(),
          updatedAt: new Date(),
        })
        .execute();
      return jid;
    };
    // Attempt 1 ran as one task for 1800 s; attempt 2 was chunked: an aux part and two chunks, then a 600 s stitch.
    await jobId(1, 1800, null);
    const chunked = await jobId(2, 600, 2);
    const part = (kind: 'aux' | 'chunk', chunkIndex: number, taskSeconds: number) => ({
      id: randomUUID(),
      jobId: chunked,
      videoId: id,
      attempt: 2,
      kind,
      chunkIndex,
      startSec: null,
      endSec: null,
      status: 'succeeded' as const,
      partAttempt: 1,
      taskId: null,
      launchToken: null,
      launchAfter: null,
      capacityWaits: 0,
      deadlineAt: new Date(),
      taskSeconds,
      startedAt: null,
      finishedAt: null,
      exitCode: null,
      errorCode: null,
      errorMessage: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await h.db
      .insertInto('transcodeParts')
      .values([part('aux', 0, 300), part('chunk', 0, 450), part('chunk', 1, 450)])
      .execute();

    // 3600 s at 2 vCPU and 4 GB: 2 × 0.04048 + 4 × 0.004445 = 0.09874 (the default prices).
    expect((await get(id, alice.auth)).json().compute).toEqual({ taskSeconds: 3600, estimatedCostUsd: 0.09874 });
    expect((await get(id, bob.auth)).json().compute).toBeUndefined();
    expect((await get(id)).json().compute).toBeUndefined();
  });
});
