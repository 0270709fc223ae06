// How ffmpeg and ffprobe failures become AppErrors: the reason a person can read, and the code an abort carries.
import { AppError } from '@reelforge/contracts';

export function abortError(signal: AbortSignal): AppError {
  return signal.reason instanceof AppError ? signal.reason : new AppError('INTERRUPTED', 'the transcode was stopped');
}

/**
 * ffmpeg's first error line, without the `[demuxer @ 0x…]` prefix and without the host path or the (presigned) URL
 * it names.
 */
export function ffmpegReason(stderr: string): string {
  const line = stderr
    .split('\n')
    .map((l) =>
      l
        .replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '')
        .replace(/^file:.*?: /, '')
        .replace(/^https?:\/\/\S*: /, '')
        .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/g, 'the source')
        .trim(),
    )
    .find((l) => l);
  return line ?? 'unreadable input';
}

// What the machine, not the file, does wrong: another attempt (another task, another disk) may succeed.
// A source read over http(s) adds the network's and the store's failures (an expired URL is a 403).
const INFRASTRUCTURE =
  /No space left on device|Disk quota exceeded|Read-only file system|Input\/output error|Cannot allocate memory|Too many open files|Resource temporarily unavailable|Permission denied|No such file or directory|Server returned|HTTP error|Connection refused|Connection timed out|Connection reset|Failed to resolve hostname|Network is unreachable|^\[(?:tls|tcp|https?) @ /m;

/**
 * Why ffmpeg exited unsuccessfully. Its arguments are built from a plan that passed every check, so a failure is
 * the file's (a decoder or demuxer gave up on its data: permanent), unless a signal killed it (the OOM killer) or it
 * names a resource of the machine.
 */
export function ffmpegFailure(code: number | null, signal: string | null, stderr: string): AppError {
  const reason = ffmpegReason(stderr);
  if (signal !== null || INFRASTRUCTURE.test(stderr)) {
    return new AppError('TRANSCODE_FAILED', `ffmpeg failed (${signal ?? `exit ${code}`}): ${reason}`);
  }
  return new AppError('DECODE_ERROR', `the video could not be decoded: ${reason}`);
}
