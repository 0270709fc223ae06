// Runs a pass now and then every interval, never two at once; a failed pass is logged and the next one runs.
import type { Logger } from 'pino';

export interface PeriodicRunner {
  /** Waits for the pass in flight. */
  stop(): Promise<void>;
}

export function startPeriodic(
  name: string,
  intervalMs: number,
  pass: () => Promise<void>,
  logger: Logger,
): PeriodicRunner {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const run = () => {
    current = pass()
      .catch((err: unknown) => logger.error({ err, pass: name }, 'periodic pass failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(run, intervalMs);
      });
  };
  run();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
