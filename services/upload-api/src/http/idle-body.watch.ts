// An idle timeout for a request body read as a stream: a client that stops sending for `idleMs` is cut off, while
// one that keeps sending may take as long as it needs. Progress is read from the socket's byte count, so watching
// never touches the stream the handler consumes; while the handler itself is not reading (backpressure from
// storage), the client is not to blame and the clock does not run.
import type { IncomingMessage } from 'node:http';
import { AppError } from '@reelforge/contracts';

export interface IdleBodyWatch {
  /** Aborted with a REQUEST_TIMEOUT AppError when the body went idle. */
  readonly signal: AbortSignal;
  /** Bytes read from the connection since the watch began (the body, near enough). */
  bytesRead(): number;
  stop(): void;
}

export function watchIdleBody(req: IncomingMessage, idleMs: number): IdleBodyWatch {
  const controller = new AbortController();
  const socket = req.socket;
  // A request injected without a connection (app.inject) has no byte count to watch, and no client to stall.
  if (typeof socket?.bytesRead !== 'number') return { signal: controller.signal, bytesRead: () => 0, stop: () => {} };
  const start = socket.bytesRead;
  let seen = start;
  let lastProgress = Date.now();
  const timer = setInterval(
    () => {
      const now = Date.now();
      if (socket.bytesRead !== seen || req.readableFlowing !== true || req.complete) {
        seen = socket.bytesRead;
        lastProgress = now;
        return;
      }
      if (now - lastProgress < idleMs) return;
      clearInterval(timer);
      controller.abort(
        new AppError('REQUEST_TIMEOUT', `no bytes of the body arrived for ${Math.round(idleMs / 1000)} s`),
      );
    },
    Math.max(10, Math.floor(idleMs / 10)),
  );
  timer.unref();
  return {
    signal: controller.signal,
    bytesRead: () => socket.bytesRead - start,
    stop: () => clearInterval(timer),
  };
}

/** Iterates `source` until `signal` aborts, then throws its reason, even while waiting for the next item. */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(signal.reason);
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => {});
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    const next = await Promise.race([iterator.next(), aborted]);
    if (next.done) return;
    yield next.value;
  }
}
