// A token bucket per key (a playback session, a client address), in process memory: each ingest instance limits
// what reaches it, which is what keeps one runaway player from crowding out the rest of a node. Idle buckets are
// swept so the map stays bounded.

export interface RateLimit {
  /** Takes one event's worth from the key's allowance; false when it has none left. */
  take(key: string, nowMs: number): boolean;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter implements RateLimit {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  take(key: string, nowMs: number): boolean {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, updatedMs: nowMs };
      this.buckets.set(key, bucket);
    } else {
      const refill = (Math.max(0, nowMs - bucket.updatedMs) / 1000) * this.perSecond;
      bucket.tokens = Math.min(this.burst, bucket.tokens + refill);
      bucket.updatedMs = nowMs;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Drops the buckets that have refilled completely: forgetting them changes no decision. */
  sweep(nowMs: number): number {
    const fullAfterMs = (this.burst / this.perSecond) * 1000;
    let removed = 0;
    for (const [key, bucket] of this.buckets) {
      if (nowMs - bucket.updatedMs >= fullAfterMs) {
        this.buckets.delete(key);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.buckets.size;
  }
}
