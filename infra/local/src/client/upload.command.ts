// ./reelforge upload FILE: a direct multipart upload with a progress bar (bytes, rate, ETA), resumable after Ctrl-C
// or a dropped connection (--resume), then optionally --wait with the transcode's percent; --json prints the video.
import { parseArgs } from 'node:util';
import { type Reelforge, ReelforgeError, unwrap, uploadDirect, type Video, waitUntilReady } from '@reelforge/client';
import { fileSource } from '@reelforge/client/node';
import cliProgress from 'cli-progress';
import { describeVideo } from './api.commands.js';
import { apiUrl, fileKey, readConfig, signedIn, UsageError, updateConfig } from './cli.config.js';

const USAGE = 'usage: ./reelforge upload FILE [--title T] [--public] [--wait] [--json] [--resume]';

/** Bars on a terminal; on a pipe or a file, a plain line now and then. */
function reporter(label: string, unit: 'bytes' | 'percent') {
  const tty = Boolean(process.stderr.isTTY);
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format:
            unit === 'bytes'
              ? `${label} [{bar}] {percentage}% | {done}/{size} MB | {rate} MB/s | ETA {eta_formatted}`
              : `${label} [{bar}] {percentage}% | {status}`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const started = Date.now();
  // The rate counts this run's bytes only: a resumed upload starts with the parts storage already held.
  let first: number | undefined;
  let lastLine = '';
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return {
    start(total: number, value: number, payload: Record<string, string> = {}) {
      first ??= value;
      bar?.start(total, value, { done: mb(value), size: mb(total), rate: '0.0', ...payload });
    },
    update(value: number, total: number, payload: Record<string, string> = {}) {
      if (first === undefined) this.start(total, value, payload);
      const sent = value - (first ?? 0);
      const rate = unit === 'bytes' ? mb((sent / Math.max(1, Date.now() - started)) * 1000) : '';
      if (bar) return bar.update(value, { done: mb(value), size: mb(total), rate, ...payload });
      // One line per percent (and per status while transcoding), not one per callback.
      const pct = Math.floor((value / Math.max(1, total)) * 100);
      const key = `${pct} ${payload.status ?? ''}`;
      if (key === lastLine) return;
      lastLine = key;
      process.stderr.write(
        unit === 'bytes'
          ? `${label}: ${pct}% (${mb(value)}/${mb(total)} MB, ${rate} MB/s)\n`
          : `${label}: ${pct}% ${payload.status ?? ''}\n`,
      );
    },
    stop() {
      bar?.stop();
    },
  };
}

export async function uploadCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      title: { type: 'string' },
      public: { type: 'boolean' },
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
      resume: { type: 'boolean' },
      api: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const path = positionals[0] as string;
  const rf = await signedIn(values.api);
  const source = await fileSource(path).catch(() => {
    throw new UsageError(`cannot read ${path}`);
  });
  const key = fileKey(path);
  const stored = (await readConfig()).uploads?.[key];
  const resumeId =
    values.resume && stored && stored.bytes === source.size && stored.apiUrl === apiUrl(values.api)
      ? stored.id
      : undefined;
  if (values.resume && !resumeId) process.stderr.write('nothing to resume for this file: starting a new upload\n');

  // Ctrl-C stops the parts in flight; what storage holds stays for --resume.
  const aborter = new AbortController();
  const onSigint = () => aborter.abort();
  process.once('SIGINT', onSigint);
  const bytes = reporter('upload', 'bytes');
  let video: Video;
  try {
    video = await uploadDirect(rf, source, {
      title: values.title,
      uploadId: resumeId,
      signal: aborter.signal,
      onStarted: (u) =>
        updateConfig((c) => {
          c.uploads = { ...c.uploads, [key]: { id: u.id, bytes: u.bytes, apiUrl: apiUrl(values.api) } };
        }),
      onProgress: (p) => {
        bytes.update(p.sentBytes, p.totalBytes);
      },
    });
  } catch (err) {
    bytes.stop();
    if (aborter.signal.aborted) {
      process.stderr.write('interrupted: run the same command with --resume to send the remaining parts\n');
      return 130;
    }
    if (err instanceof ReelforgeError && ['NETWORK_ERROR', 'STORAGE_ERROR'].includes(err.code)) {
      process.stderr.write(`${err.code}: ${err.message}\nrun the same command with --resume to continue\n`);
      return 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
  bytes.stop();
  await updateConfig((c) => {
    delete c.uploads?.[key];
  });
  if (values.public) {
    video = await unwrap(
      rf.api.PATCH('/v1/videos/{id}', { params: { path: { id: video.id } }, body: { visibility: 'public' } }),
    );
  }
  if (values.wait) {
    video = await wait(rf, video);
    // The stream's last state is every watcher's; the owner's own read adds what the video cost (`compute`).
    video = await unwrap(rf.api.GET('/v1/videos/{id}', { params: { path: { id: video.id } } }));
  }
  process.stdout.write(values.json ? `${JSON.stringify(video, null, 2)}\n` : describeVideo(video));
  return video.status === 'failed' ? 3 : 0;
}

async function wait(rf: Reelforge, video: Video): Promise<Video> {
  const bar = reporter('transcode', 'percent');
  bar.start(100, video.progressPct, { status: video.status });
  try {
    return await waitUntilReady(rf, video.id, {
      onUpdate: (v) => bar.update(v.progressPct, 100, { status: v.status }),
    });
  } finally {
    bar.stop();
  }
}
