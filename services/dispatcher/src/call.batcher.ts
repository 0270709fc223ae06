// Group commit for concurrent callers: while one batch runs, calls queue; the next batch takes what queued (up to
// `maxBatch`). Under load N messages share one transaction; an idle dispatcher runs a call alone, at once.
export interface CallBatcherOptions<I, O> {
  /** One result per item, in the order of the items. */
  run: (items: I[]) => Promise<O[]>;
  maxBatch: number;
  /** Items with the same key never share a batch: a later one waits for the next. */
  keyOf?: (item: I) => string;
}

interface Call<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class CallBatcher<I, O> {
  private queue: Call<I, O>[] = [];
  private running = false;

  constructor(private readonly opts: CallBatcherOptions<I, O>) {
    if (!(opts.maxBatch >= 1)) throw new RangeError('maxBatch must be at least 1');
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    void this.settle(this.take()).finally(() => {
      this.running = false;
      this.next();
    });
  }

  private take(): Call<I, O>[] {
    const batch: Call<I, O>[] = [];
    const left: Call<I, O>[] = [];
    const keys = new Set<string>();
    for (const call of this.queue) {
      const key = this.opts.keyOf?.(call.item);
      if (batch.length >= this.opts.maxBatch || (key !== undefined && keys.has(key))) {
        left.push(call);
        continue;
      }
      if (key !== undefined) keys.add(key);
      batch.push(call);
    }
    this.queue = left;
    return batch;
  }

  private async settle(batch: Call<I, O>[]): Promise<void> {
    try {
      const results = await this.opts.run(batch.map((c) => c.item));
      if (results.length !== batch.length) throw new Error(`${results.length} results for ${batch.length} items`);
      for (const [i, call] of batch.entries()) call.resolve(results[i] as O);
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One bad item (or a deadlock) must not fail its neighbours: each runs again alone.
      for (const call of batch) {
        try {
          const [result] = await this.opts.run([call.item]);
          call.resolve(result as O);
        } catch (single) {
          call.reject(single);
        }
      }
    }
  }
}
