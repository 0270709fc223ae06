// The Redis cache of hot reads (public video resources, feed pages). Every entry lives under a scope whose version is
// a random token: a change sets a new token after its transaction commits, so entries of the old version are never
// read again, and a reader that loaded from MySQL before the change writes under the version it read first — which
// is already dead. No stale entry can outlive a change that reached Redis; entries also expire after `ttlSec`, which
// bounds what a change that could not reach Redis (Redis down at that moment) or one written elsewhere leaves behind.
// Redis being down makes every read a miss: commands fail at once (no offline queue) and the API answers uncached.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';

/** Reads a scope's version (creating one when absent) and the entry under it, in one round trip. */
const READ_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if not v then
  v = ARGV[2]
  redis.call('SET', KEYS[1], v, 'EX', ARGV[3])
end
return {v, redis.call('GET', KEYS[1] .. ':' .. v .. ':' .. ARGV[1])}
`;

/** Versions outlive every entry written under them (entries live ttlSec), so an expired version orphans nothing live. */
const VERSION_TTL_SEC = 24 * 3600;

type ReadReply = [version: string, value: string | null];
type CachingRedis = Redis & {
  cacheRead(scope: string, key: string, fresh: string, versionTtl: number): Promise<ReadReply>;
};

export interface ReadCacheOptions {
  /** Absent: no cache, every read loads (the benchmark's baseline; also a deployment without REDIS_URL). */
  redis?: Redis | undefined;
  /** Keeps deployments (and test files) sharing one Redis apart. */
  keyPrefix: string;
  ttlSec: number;
  logger: Logger;
  registry: Registry;
}

export class ReadCache {
  private readonly redis: CachingRedis | undefined;
  private readonly reads: Counter<'scope' | 'result'>;

  constructor(private readonly opts: ReadCacheOptions) {
    if (opts.redis) {
      opts.redis.defineCommand('cacheRead', { numberOfKeys: 1, lua: READ_SCRIPT });
      this.redis = opts.redis as CachingRedis;
    }
    this.reads = new Counter({
      name: 'reelforge_cache_reads_total',
      help: 'Reads through the Redis cache of hot reads, by scope kind and result (hit, miss, error: served uncached)',
      labelNames: ['scope', 'result'],
      registers: [opts.registry],
    });
  }

  get enabled(): boolean {
    return this.redis !== undefined;
  }

  /**
   * The entry `key` of `scope`, or what `load` gives (stored when `keep` says so). Values are JSON; scopes are
   * `kind` or `kind:id`.
   */
  async read<T>(scope: string, key: string, load: () => Promise<T>, keep: (value: T) => boolean): Promise<T> {
    const kind = scope.split(':', 1)[0] as string;
    if (!this.redis) return load();
    const scopeKey = this.scopeKey(scope);
    let version: string;
    try {
      const [v, hit] = await this.redis.cacheRead(scopeKey, key, newVersion(), VERSION_TTL_SEC);
      if (hit !== null) {
        this.reads.inc({ scope: kind, result: 'hit' });
        return JSON.parse(hit) as T;
      }
      version = v;
    } catch (err) {
      this.failed(kind, err);
      return load();
    }
    this.reads.inc({ scope: kind, result: 'miss' });
    const value = await load();
    if (keep(value)) {
      // Not awaited: the reader has its answer; a failed write only costs the next reader a miss.
      this.redis
        .set(`${scopeKey}:${version}:${key}`, JSON.stringify(value), 'EX', this.opts.ttlSec)
        .catch((err: unknown) => this.failed(kind, err));
    }
    return value;
  }

  /** After the change committed: every entry of these scopes is dead. Never throws (the change is done). */
  async invalidate(...scopes: string[]): Promise<void> {
    if (!this.redis || scopes.length === 0) return;
    const pipeline = this.redis.multi();
    for (const scope of scopes) pipeline.set(this.scopeKey(scope), newVersion(), 'EX', VERSION_TTL_SEC);
    try {
      await pipeline.exec();
    } catch (err) {
      this.opts.logger.warn({ err, scopes }, 'cache invalidation failed; entries expire within CACHE_TTL_SEC');
    }
  }

  private scopeKey(scope: string): string {
    return `${this.opts.keyPrefix}${scope}`;
  }

  private failed(kind: string, err: unknown): void {
    this.reads.inc({ scope: kind, result: 'error' });
    this.opts.logger.debug({ err }, 'cache unavailable; served uncached');
  }
}

const newVersion = () => randomBytes(6).toString('base64url');

/** The scopes: one per public video resource, one for every feed page. */
export const videoScope = (id: string) => `video:${id}`;
export const FEED_SCOPE = 'feed';
