// How ffmpeg and ffprobe failures become AppErrors: the reason a person can read, and the code an abort carries.
import { AppError } from '@reelforge/contracts';

export function abortError(signal: AbortSignal): AppError {
  return signal.reason instanceof AppError ? signal.reason : new AppError('INTERRUPTED', 'the transcode was stopped');
}

/** ffmpeg's first error line, without the `[demuxer @ 0x…]` prefix and without the host path it names. */
export function ffmpegReason(stderr: string): string {
  const line = stderr
    .split('\n')
    .map((l) =>
      l
        .replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '')
        .replace(/^file:.*?: /, '')
        .trim(),
    )
    .find((l) => l);
  return line ?? 'unreadable input';
}
