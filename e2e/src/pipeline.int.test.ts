// The whole pipeline on the local stack: uploads through the API become ready videos whose links all work; a
// duplicated `video.uploaded` launches one task; a file with no video fails for good.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioOnlyMp4, videoClip } from './media.clips.js';
import { eventually, expectOneRenditionSet, Pipeline } from './pipeline.stack.js';

let pipeline: Pipeline;
let token: string;

beforeAll(async () => {
  pipeline = await Pipeline.create();
  await Promise.all(
    (['upload-api', 'dispatcher', 'completion', 'playback-edge'] as const).map((s) => pipeline.start(s)),
  );
  token = await pipeline.register();
});

afterAll(() => pipeline?.close());

describe('the pipeline', () => {
  it('takes an upload through POST /v1/videos to ready, with renditions in MySQL and every link fetchable', async () => {
    // 854x480: the ladder makes a 480p and a 360p rendition, so the master has more than one to list.
    const upload = await pipeline.upload(token, await videoClip({ width: 854, height: 480, seconds: 2 }), 'clip.mp4');
    expect(upload.status).toBe('uploaded');

    const video = await pipeline.settled(token, upload.id);
    expect(video).toMatchObject({ status: 'ready', progressPct: 100 });
    expect(video.source).toMatchObject({ width: 854, height: 480 });

    const rows = await expectOneRenditionSet(pipeline, upload.id, 1);
    expect(rows.map((r) => [r.name, r.width, r.height])).toEqual([
      ['360p', 640, 360],
      ['480p', 854, 480],
    ]);
    expect((await pipeline.jobs(upload.id)).map((j) => [j.attempt, j.status])).toEqual([[1, 'succeeded']]);
    expect(pipeline.launches(upload.id)).toBe(1);

    // Every URL the API hands out answers 200 with content.
    const urls = [
      video.hls,
      video.poster,
      video.storyboard?.image,
      video.storyboard?.vtt,
      ...(video.renditions ?? []).map((r) => r.mp4),
    ];
    expect(urls.every((u) => typeof u === 'string')).toBe(true);
    expect(video.renditions?.map((r) => r.name).sort()).toEqual(['360p', '480p']);
    for (const url of urls as string[]) {
      const res = await fetch(url);
      const body = Buffer.from(await res.arrayBuffer());
      expect([url, res.status, body.length > 0]).toEqual([url, 200, true]);
    }

    // The HLS master lists each rendition's playlist once, by its path relative to the master.
    const master = await (await fetch(video.hls as string)).text();
    const masterDir = (await pipeline.videoRow(upload.id)).hlsMasterKey?.replace(/[^/]+$/, '') ?? '';
    const variants = master.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(variants.sort()).toEqual(rows.map((r) => r.playlistKey.slice(masterDir.length)).sort());
    expect(master.match(/#EXT-X-STREAM-INF:/g)).toHaveLength(rows.length);

    // A player's walk: each variant playlist, its init section and every segment, by their relative references.
    for (const variant of variants) {
      const playlistUrl = new URL(variant, video.hls as string);
      const playlist = await (await fetch(playlistUrl)).text();
      const init = playlist.match(/#EXT-X-MAP:URI="([^"]+)"/)?.[1];
      const segments = playlist.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      expect([variant, typeof init, segments.length > 0]).toEqual([variant, 'string', true]);
      for (const ref of [init as string, ...segments]) {
        const res = await fetch(new URL(ref, playlistUrl));
        const body = Buffer.from(await res.arrayBuffer());
        expect([ref, res.status, body.length > 0]).toEqual([ref, 200, true]);
      }
    }
  });

  it('launches one task for a video.uploaded delivered twice', async () => {
    const upload = await pipeline.upload(token, await videoClip({ width: 320, height: 240, seconds: 2 }), 'twice.mp4');
    // The relay published the outbox row; publish the very same message again, as a producer retry would.
    const row = await eventually(
      'the video.uploaded outbox row to be sent',
      () =>
        pipeline.db
          .selectFrom('outbox')
          .select(['messageKey', 'payload'])
          .where('topic', '=', 'video.uploaded')
          .where('messageKey', '=', upload.id)
          .where('sentAt', 'is not', null)
          .executeTakeFirst()
          .then((r) => r ?? null),
      20_000,
    );
    await pipeline.produceRaw('video.uploaded', row.messageKey, row.payload);

    const video = await pipeline.settled(token, upload.id);
    expect(video.status).toBe('ready');
    // Both deliveries handled before counting.
    await pipeline.caughtUp('dispatcher', 'video.uploaded');
    expect((await pipeline.jobs(upload.id)).map((j) => [j.attempt, j.status])).toEqual([[1, 'succeeded']]);
    expect(pipeline.launches(upload.id)).toBe(1);
    // The dispatcher did see it twice: once creating the job, once acknowledging the copy.
    const handled = [
      'transcode job created',
      'job already claimed; redelivered message acknowledged',
      'video.uploaded ignored',
    ];
    expect(handled.map((msg) => pipeline.logs('dispatcher', msg, { videoId: upload.id }).length)).toEqual(
      expect.arrayContaining([1]),
    );
    expect(handled.reduce((n, msg) => n + pipeline.logs('dispatcher', msg, { videoId: upload.id }).length, 0)).toBe(2);
    expect(pipeline.logs('dispatcher', 'transcode job created', { videoId: upload.id })).toHaveLength(1);
    expect((await pipeline.videoRow(upload.id)).attempt).toBe(1);
    await expectOneRenditionSet(pipeline, upload.id, 1);
  });

  it('fails a file with no video stream with its code, without retrying it', async () => {
    const upload = await pipeline.upload(token, await audioOnlyMp4(2), 'audio.mp4');
    expect(upload.status).toBe('uploaded');

    const video = await pipeline.settled(token, upload.id);
    expect(video).toMatchObject({ status: 'failed', error: { code: 'NO_VIDEO_STREAM' } });
    expect(video.renditions).toBeUndefined();
    expect((await pipeline.jobs(upload.id)).map((j) => [j.attempt, j.status, j.errorCode])).toEqual([
      [1, 'failed', 'NO_VIDEO_STREAM'],
    ]);
    expect((await pipeline.videoRow(upload.id)).attempt).toBe(1);
    expect(pipeline.launches(upload.id)).toBe(1);
    expect(await pipeline.renditions(upload.id)).toEqual([]);
  });
});
