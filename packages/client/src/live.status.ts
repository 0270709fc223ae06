// Waiting for a video to finish: the API's event stream (GET /v1/videos/:id/events), and GET /v1/videos/:id every
// few seconds when the stream cannot be had (a proxy that buffers it, an instance at its stream cap).
import { createParser } from 'eventsource-parser';
import { problemError, type Reelforge, unwrap, type Video } from './client.js';

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** Every state seen, the first one included. */
  onUpdate?: (video: Video) => void;
  /** Between reads when polling. */
  pollMs?: number;
  /** Stream connections that end early before falling back to polling. */
  maxReconnects?: number;
}

const done = (v: Video) => v.status === 'ready' || v.status === 'failed';

/**
 * Resolves with the video once it is `ready` or `failed` (check `status`); a 404 or 401 rejects. From the stream it
 * is the state every watcher sees, without the reader's `likedByMe` or the owner's `compute`: GET the video for those.
 */
export async function waitUntilReady(rf: Reelforge, id: string, opts: WaitOptions = {}): Promise<Video> {
  for (let attempt = 0; attempt <= (opts.maxReconnects ?? 3); attempt++) {
    const outcome = await streamOnce(rf, id, opts);
    if (outcome !== 'retry') {
      if (outcome === 'poll') break;
      return outcome;
    }
  }
  return poll(rf, id, opts);
}

async function streamOnce(rf: Reelforge, id: string, opts: WaitOptions): Promise<Video | 'retry' | 'poll'> {
  let res: Response;
  try {
    res = await rf.fetch(`${rf.baseUrl}/v1/videos/${encodeURIComponent(id)}/events`, {
      headers: { accept: 'text/event-stream', ...(rf.token && { authorization: `Bearer ${rf.token}` }) },
      ...(opts.signal && { signal: opts.signal }),
    });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return 'retry';
  }
  if (res.status === 401 || res.status === 404 || res.status === 400) {
    throw problemError(res.status, await res.json().catch(() => undefined));
  }
  if (!res.ok || !res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return 'poll';
  }
  let last: Video | undefined;
  const parser = createParser({
    onEvent: (event) => {
      if (event.event !== 'video') return;
      last = JSON.parse(event.data) as Video;
      opts.onUpdate?.(last);
    },
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      parser.feed(value);
      if (last && done(last)) return last;
    }
  } catch (err) {
    if (opts.signal?.aborted) throw err;
  } finally {
    reader.cancel().catch(() => {});
  }
  return last && done(last) ? last : 'retry';
}

async function poll(rf: Reelforge, id: string, opts: WaitOptions): Promise<Video> {
  for (;;) {
    const video = await unwrap(
      rf.api.GET('/v1/videos/{id}', { params: { path: { id } }, ...(opts.signal && { signal: opts.signal }) }),
    );
    opts.onUpdate?.(video);
    if (done(video)) return video;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, opts.pollMs ?? 3000);
      opts.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(opts.signal?.reason);
        },
        { once: true },
      );
    });
  }
}
