// The API's Redis connection, set up for a cache that must never hold a request up: commands fail at once while
// disconnected (no offline queue, no retries) and give up after a short timeout, and the client keeps reconnecting
// in the background.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export function createRedis(url: string, opts: { commandTimeoutMs: number; logger: Logger }): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
  let down = false;
  // Without a listener ioredis reports each failed reconnect as an unhandled error.
  redis.on('error', (err) => {
    if (!down) opts.logger.warn({ err }, 'Redis unreachable; serving uncached until it is back');
    down = true;
  });
  redis.on('ready', () => {
    if (down) opts.logger.info('Redis reachable again');
    down = false;
  });
  return redis;
}
