// The SDK (@reelforge/client) against the real services: a direct upload interrupted after its first part resumes
// without sending that part again, gets its SHA-256 from the transcoder, and waitUntilReady follows the event stream
// to a ready video whose HLS master plays through the edge.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReelforge, unwrap, uploadDirect, type Video, waitUntilReady } from '@reelforge/client';
import { fileSource } from '@reelforge/client/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigClip } from './media.clips.js';
import { Pipeline } from './pipeline.stack.js';

let pipeline: Pipeline;
let token: string;
let path: string;

beforeAll(async () => {
  pipeline = await Pipeline.create();
  await Promise.all(
    (['upload-api', 'dispatcher', 'completion', 'playback-edge'] as const).map((s) => pipeline.start(s)),
  );
  token = await pipeline.register();
  path = join(await mkdtemp(join(tmpdir(), 'rf-sdk-')), 'big.mp4');
  await writeFile(path, await bigClip());
});

afterAll(() => pipeline?.close());

/** Every request the SDK makes, as `METHOD url`. */
function recorded() {
  const requests: string[] = [];
  const rf = createReelforge({
    baseUrl: pipeline.apiUrl,
    token,
    fetch: (input, init) => {
      const request = new Request(input, init);
      requests.push(`${request.method} ${request.url}`);
      return fetch(request);
    },
  });
  return { rf, requests };
}

describe('the SDK', () => {
  it('resumes an interrupted direct upload without resending finished parts, then waits over SSE', async () => {
    const source = await fileSource(path);
    const first = recorded();
    const aborter = new AbortController();
    let uploadId = '';
    let partCount = 0;
    await expect(
      uploadDirect(first.rf, source, {
        title: 'via the SDK',
        concurrency: 1,
        signal: aborter.signal,
        onStarted: (u) => {
          uploadId = u.id;
          partCount = u.partCount;
        },
        onProgress: (p) => {
          if (p.partsDone === 1) aborter.abort();
        },
      }),
    ).rejects.toThrow();
    expect(partCount).toBeGreaterThan(2);
    expect(first.requests.filter((r) => r.startsWith('PUT ')).length).toBe(1);

    const second = recorded();
    const progress: number[] = [];
    const uploaded = await uploadDirect(second.rf, source, {
      uploadId,
      onProgress: (p) => progress.push(p.partsDone),
    });
    expect(uploaded).toMatchObject({ id: uploadId, status: 'uploaded', title: 'via the SDK' });
    // The complete step reads no more than the file's first bytes, so it knows no hash.
    expect(uploaded.source.sha256).toBeNull();
    // S3 already held part 1: only the others were sent.
    expect(second.requests.filter((r) => r.startsWith('PUT ')).length).toBe(partCount - 1);
    expect(progress[0]).toBe(1);
    expect(progress.at(-1)).toBe(partCount);

    const seen: Video[] = [];
    const video = await waitUntilReady(second.rf, uploadId, { onUpdate: (v) => seen.push(v) });
    expect(video).toMatchObject({ status: 'ready', progressPct: 100 });
    expect(seen.at(-1)?.status).toBe('ready');
    expect(second.requests).toContain(`GET ${pipeline.apiUrl}/v1/videos/${uploadId}/events`);
    // The stream, not polling, brought it.
    expect(second.requests).not.toContain(`GET ${pipeline.apiUrl}/v1/videos/${uploadId}`);

    // The task hashed the source on its way to disk and reported it with video.transcode-started; the dispatcher
    // (its own consumer group, so perhaps after ready) recorded it on the video.
    const sha256 = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
    await expect
      .poll(async () => (await pipeline.videoRow(uploadId)).sourceSha256, { timeout: 30_000, interval: 200 })
      .toBe(sha256);
    const shown = await unwrap(second.rf.api.GET('/v1/videos/{id}', { params: { path: { id: uploadId } } }));
    expect(shown.source.sha256).toBe(sha256);

    const master = await fetch(video.hls as string);
    expect(master.status).toBe(200);
    expect(await master.text()).toContain('#EXTM3U');
  });

  it('reports a refusal with its problem code', async () => {
    const { rf } = recorded();
    await expect(waitUntilReady(rf, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
  });
});
