// Upload by drag-and-drop or the file picker: the SDK's direct upload (parts straight to storage), its id kept in
// localStorage until it completes, so picking the same file after a reload sends only the parts storage lacks.
import {
  type Reelforge,
  ReelforgeError,
  resumeStore,
  type UploadProgress,
  uploadDirect,
  type Video,
} from '@reelforge/client';
import { useState } from 'preact/hooks';
import { Link } from '../components/link';
import { ErrorNotice } from '../components/notice';
import { messageOf } from '../session';

/** Codes after which a remembered upload cannot continue: start a new one. */
const STALE = new Set(['NOT_FOUND', 'UPLOAD_EXPIRED', 'CONFLICT', 'RESUME_MISMATCH']);

type State =
  | { phase: 'idle' }
  | { phase: 'uploading'; name: string; progress: UploadProgress | null; resumed: boolean }
  | { phase: 'done'; video: Video }
  | { phase: 'failed'; error: string };

export function UploadPage({ rf }: { rf: Reelforge }) {
  const [state, setState] = useState<State>({ phase: 'idle' });
  const [title, setTitle] = useState('');
  const [over, setOver] = useState(false);

  const start = async (file: File) => {
    const store = resumeStore(localStorage);
    const earlier = store.find(file);
    const run = (uploadId: string | undefined) => {
      setState({ phase: 'uploading', name: file.name, progress: null, resumed: uploadId !== undefined });
      return uploadDirect(rf, file, {
        title: title.trim() || file.name.replace(/\.[^.]+$/, '') || file.name,
        uploadId,
        onStarted: (upload) => store.remember(file, upload.id),
        onProgress: (progress) => setState({ phase: 'uploading', name: file.name, progress, resumed: !!uploadId }),
      });
    };
    try {
      let video: Video;
      try {
        video = await run(earlier);
      } catch (err) {
        if (!earlier || !(err instanceof ReelforgeError) || !STALE.has(err.code)) throw err;
        store.forget(file);
        video = await run(undefined);
      }
      store.forget(file);
      setState({ phase: 'done', video });
      setTitle('');
    } catch (err) {
      setState({ phase: 'failed', error: messageOf(err) });
    }
  };

  const picked = (files: FileList | null | undefined) => {
    const file = files?.[0];
    if (file && state.phase !== 'uploading') void start(file);
  };

  const uploading = state.phase === 'uploading';
  const pct =
    uploading && state.progress ? Math.floor((100 * state.progress.sentBytes) / state.progress.totalBytes) : 0;
  return (
    <section class="narrow">
      <h1>Upload a video</h1>
      <label>
        Title <span class="hint">(optional; the file name otherwise)</span>
        <input value={title} maxLength={200} onInput={(e) => setTitle(e.currentTarget.value)} disabled={uploading} />
      </label>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is for pointers; the file input inside is the keyboard's way */}
      <div
        class={`drop${over ? ' over' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          picked(e.dataTransfer?.files);
        }}
      >
        <p>Drop a video here, or</p>
        <label class="button">
          Choose a video file
          <input
            class="visually-hidden"
            type="file"
            accept="video/*"
            disabled={uploading}
            onChange={(e) => {
              picked(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
        </label>
      </div>
      {uploading && (
        <div class="stack" aria-live="polite">
          <p>
            {state.resumed ? 'Resuming' : 'Uploading'} {state.name}… {pct}%
          </p>
          <progress max={100} value={pct} aria-label="Upload progress" />
        </div>
      )}
      {state.phase === 'done' && (
        <p class="notice" role="status">
          Uploaded “{state.video.title}”. It is being processed: follow it in <Link href="/mine">My videos</Link>.
        </p>
      )}
      <ErrorNotice error={state.phase === 'failed' ? state.error : null} />
      <p class="hint">An interrupted upload continues where it stopped when you choose the same file again.</p>
    </section>
  );
}
