// Runs a pass now and then every interval, never two at once; a failed pass is logged and the next one runs.
// Background loops (reaper, sweeper, outbox relay and pruner, registry pruning) all run on this.
import type { Logger } from 'pino';

export interface PeriodicRunner {
  /** No pass starts after this; resolves when the pass in flight has finished. */
  stop(): Promise<void>;
}

export interface PeriodicOptions {
  /** Run the first pass at once (default) or after one interval. */
  immediate?: boolean;
}

/**
 * `pass` may return the delay before the next pass instead of the interval: 0 when it knows more work is waiting
 * (a full batch), longer when it is backing off.
 */
export function startPeriodic(
  name: string,
  intervalMs: number,
  // biome-ignore lint/suspicious/noConfusingVoidType: a pass that returns nothing waits the interval.
  pass: () => Promise<number | void>,
  logger: Logger,
  opts: PeriodicOptions = {},
): PeriodicRunner {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const run = () => {
    let nextMs = intervalMs;
    current = pass()
      .then((delay) => {
        if (typeof delay === 'number') nextMs = delay;
      })
      .catch((err: unknown) => logger.error({ err, pass: name }, 'periodic pass failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(run, nextMs);
      });
  };
  if (opts.immediate ?? true) run();
  else timer = setTimeout(run, intervalMs);

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
