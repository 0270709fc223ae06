// Graceful stop on SIGTERM/SIGINT: run the closers in order (stop intake first, then drain, then disconnect),
// and give up after a deadline so an orchestrator's kill never finds us half-closed forever.
import type { Logger } from 'pino';

export function onShutdown(
  logger: Logger,
  closers: Array<() => Promise<void>>,
  opts: { timeoutMs?: number } = {},
): void {
  let closing = false;
  const handler = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, opts.timeoutMs ?? 25_000);
    timer.unref();
    try {
      for (const close of closers) await close();
      logger.info('shut down cleanly');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
