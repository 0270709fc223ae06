// How many tasks this dispatcher may have starting or running at once (local children), and the signal the consumer
// pauses and resumes on: full → stop fetching messages that could not be launched anyway.
export interface Slot {
  /** Idempotent. */
  release(): void;
}

export class LaunchSlots {
  private used = 0;
  private readonly waiters: Array<{ grant: (slot: Slot) => void }> = [];
  private readonly listeners = new Set<(full: boolean) => void>();

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('the slot limit must be at least 1');
  }

  get inUse(): number {
    return this.used;
  }

  get full(): boolean {
    return this.used >= this.limit;
  }

  /** A slot now, or null when all are taken (the recovery pass skips a round rather than queueing). */
  tryAcquire(): Slot | null {
    if (this.full) return null;
    return this.take();
  }

  /** Waits (first come, first served) for a slot; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<Slot> {
    signal?.throwIfAborted();
    if (!this.full && this.waiters.length === 0) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: (slot: Slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Called with `full` whenever it changes. */
  onChange(listener: (full: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private take(): Slot {
    const wasFull = this.full;
    this.used++;
    if (!wasFull && this.full) this.emit();
    return this.slot();
  }

  private slot(): Slot {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.handBack();
      },
    };
  }

  private handBack(): void {
    const next = this.waiters.shift();
    // The slot passes straight to the next waiter: the count, and so `full`, does not change.
    if (next) {
      next.grant(this.slot());
      return;
    }
    const wasFull = this.full;
    this.used--;
    if (wasFull && !this.full) this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l(this.full);
  }
}
