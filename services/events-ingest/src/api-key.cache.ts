// API key lookups for the operator's analytics senders, cached briefly per process: a sender posting many batches a
// second costs one MySQL read per key per `ttlMs`, and a revoked key is refused at most `ttlMs` after the revoke.
// Unknown keys are cached too (a sender with a wrong key retrying fast costs nothing more); the cache is bounded.

export interface ApiKeyLookup {
  /** The key's id, or null when it is unknown or revoked. */
  authenticate(key: string): Promise<string | null>;
}

interface Entry {
  id: Promise<string | null>;
  expiresAt: number;
}

export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly lookup: ApiKeyLookup,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Concurrent requests with one key share one lookup; a failed lookup is not cached. */
  authenticate(key: string): Promise<string | null> {
    const now = this.nowMs();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.id;
    if (hit) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      // Oldest first (a Map iterates in insertion order): a flood of made-up keys evicts itself.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const id = this.lookup.authenticate(key);
    const entry = { id, expiresAt: now + this.ttlMs };
    this.entries.set(key, entry);
    id.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return id;
  }
}
