// The signed-in user's videos, newest first, each unfinished one followed live over the API's event stream
// (status and progress); rename, visibility and delete in place.
import { type Reelforge, unwrap, type Video, waitUntilReady } from '@reelforge/client';
import { useEffect, useState } from 'preact/hooks';
import { Link } from '../components/link';
import { ErrorNotice } from '../components/notice';
import { messageOf } from '../session';

const STATUS_TEXT: Record<Video['status'], string> = {
  awaiting_upload: 'Waiting for the upload',
  uploaded: 'Uploaded',
  queued: 'Queued',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

export function MyVideosPage({ rf }: { rf: Reelforge }) {
  const [videos, setVideos] = useState<Video[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (after?: string) => {
    try {
      const page = await unwrap(
        rf.api.GET('/v1/videos', { params: { query: { limit: 20, ...(after && { cursor: after }) } } }),
      );
      setVideos((prev) => (after && prev ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => {
    void load();
  }, [rf]);

  const replace = (video: Video) => setVideos((prev) => prev?.map((v) => (v.id === video.id ? video : v)) ?? null);
  const remove = (id: string) => setVideos((prev) => prev?.filter((v) => v.id !== id) ?? null);

  return (
    <section>
      <h1>My videos</h1>
      <ErrorNotice error={error} />
      {videos === null && !error && <p>Loading…</p>}
      {videos?.length === 0 && (
        <p>
          Nothing yet. <Link href="/upload">Upload a video</Link>.
        </p>
      )}
      <ul class="videos">
        {videos?.map((v) => (
          <VideoRow key={v.id} rf={rf} video={v} onChange={replace} onDeleted={remove} />
        ))}
      </ul>
      {cursor && (
        <button type="button" onClick={() => load(cursor)}>
          Show more
        </button>
      )}
    </section>
  );
}

function VideoRow(props: {
  rf: Reelforge;
  video: Video;
  onChange: (v: Video) => void;
  onDeleted: (id: string) => void;
}) {
  const { rf, video } = props;
  const [title, setTitle] = useState(video.title);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const done = video.status === 'ready' || video.status === 'failed';

  useEffect(() => {
    if (done) return;
    const abort = new AbortController();
    waitUntilReady(rf, video.id, { signal: abort.signal, onUpdate: props.onChange }).catch((err: unknown) => {
      if (!abort.signal.aborted) setError(messageOf(err));
    });
    return () => abort.abort();
  }, [video.id, done]);

  const change = async (body: { title?: string; visibility?: 'private' | 'public' }) => {
    setBusy(true);
    setError(null);
    try {
      props.onChange(await unwrap(rf.api.PATCH('/v1/videos/{id}', { params: { path: { id: video.id } }, body })));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const del = async () => {
    if (!window.confirm(`Delete “${video.title}”? This cannot be undone.`)) return;
    setBusy(true);
    try {
      await unwrap(rf.api.DELETE('/v1/videos/{id}', { params: { path: { id: video.id } } }));
      props.onDeleted(video.id);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  const pct = video.status === 'ready' ? 100 : (video.progressPct ?? 0);
  return (
    <li class="video-row" data-video-id={video.id} aria-label={video.title}>
      {video.poster ? <img src={video.poster} alt="" class="thumb" /> : <div class="thumb" />}
      <div class="stack">
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (title.trim() && title !== video.title) void change({ title: title.trim() });
          }}
        >
          <label>
            Title
            <input value={title} maxLength={200} required onInput={(e) => setTitle(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy}>
            Rename
          </button>
        </form>
        <p class="status" data-status={video.status}>
          <span>{STATUS_TEXT[video.status]}</span>
          {!done && <span> {pct}%</span>}
          {video.status === 'failed' && video.error && <span>: {video.error.message}</span>}
        </p>
        {!done && <progress max={100} value={pct} aria-label={`Processing progress of ${video.title}`} />}
        <div class="inline">
          <label>
            Visibility
            <select
              value={video.visibility}
              disabled={busy}
              onChange={(e) => void change({ visibility: e.currentTarget.value as 'private' | 'public' })}
            >
              <option value="private">Private</option>
              <option value="public">Public</option>
            </select>
          </label>
          {video.status === 'ready' && <Link href={`/watch/${video.id}`}>Watch</Link>}
          <button type="button" class="danger" disabled={busy} onClick={del}>
            Delete
          </button>
        </div>
        <ErrorNotice error={error} />
      </div>
    </li>
  );
}
