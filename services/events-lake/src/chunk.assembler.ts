// Cuts one Kafka partition's records into chunks. A chunk is the unit the lake writer makes durable and then commits,
// so its boundaries must come out the same on every replay: they depend only on offsets, record sizes and the
// records' Kafka timestamps (stamped by the ingest service when it accepted the event), never on when the writer
// happens to read them. A boundary fixed earlier in the chunk registry (by a crashed run, or one that closed a chunk
// because the partition went idle) wins over the bounds, so the replay re-creates exactly that chunk.

export interface KafkaRecord {
  offset: bigint;
  /** The Kafka record timestamp, in ms. */
  timestampMs: number;
  value: Buffer;
}

export interface FlushBounds {
  maxBytes: number;
  maxEvents: number;
  /** Record-time span of a chunk: a record this much later than the chunk's first starts a new chunk. */
  maxSpanMs: number;
}

export type CloseReason = 'bytes' | 'events' | 'span' | 'registry' | 'idle' | 'pressure';

export interface Chunk {
  partition: number;
  first: bigint;
  /** The last offset the chunk covers; with a registry boundary this may lie past its last record. */
  last: bigint;
  records: KafkaRecord[];
  bytes: number;
  reason: CloseReason;
}

/** Where the registry says a chunk starting at `first` ends, or null when none was fixed yet. */
export type BoundaryLookup = (first: bigint) => Promise<bigint | null>;

/** Which bound, if any, makes `next` start a new chunk instead of joining the open one. */
export function boundBefore(
  open: { count: number; bytes: number; firstTimestampMs: number },
  next: { bytes: number; timestampMs: number },
  bounds: FlushBounds,
): CloseReason | null {
  if (open.count === 0) return null;
  if (open.count >= bounds.maxEvents) return 'events';
  if (open.bytes + next.bytes > bounds.maxBytes) return 'bytes';
  if (next.timestampMs - open.firstTimestampMs >= bounds.maxSpanMs) return 'span';
  return null;
}

export class ChunkAssembler {
  private records: KafkaRecord[] = [];
  private bytes = 0;
  private firstTimestampMs = 0;
  private fixedLast: bigint | null = null;
  private expectedNext: bigint | null = null;
  /** After a seek back, records past this offset are leftovers of the old position and are dropped. */
  private resumeAt: bigint | null = null;
  private lastAppendMs = 0;

  constructor(
    readonly partition: number,
    private readonly bounds: FlushBounds,
    private readonly lookup: BoundaryLookup,
  ) {}

  get openBytes(): number {
    return this.bytes;
  }

  get openCount(): number {
    return this.records.length;
  }

  /** Adds a record; returns the chunks it closed (the open one before it, and/or one it completes). */
  async append(record: KafkaRecord, nowMs: number): Promise<Chunk[]> {
    if (this.resumeAt !== null) {
      if (record.offset > this.resumeAt) return [];
      this.resumeAt = null;
    }
    // Kafka hands out earlier offsets again after a rebalance or a seek: start over from there.
    if (this.expectedNext !== null && record.offset < this.expectedNext) this.reset();

    const closed: Chunk[] = [];
    if (this.records.length > 0) {
      const reason =
        this.fixedLast !== null
          ? record.offset > this.fixedLast
            ? 'registry'
            : null
          : boundBefore(
              { count: this.records.length, bytes: this.bytes, firstTimestampMs: this.firstTimestampMs },
              { bytes: record.value.length, timestampMs: record.timestampMs },
              this.bounds,
            );
      if (reason !== null) closed.push(this.close(reason));
    }
    if (this.records.length === 0) {
      this.fixedLast = await this.lookup(record.offset);
      this.firstTimestampMs = record.timestampMs;
    }
    this.records.push(record);
    this.bytes += record.value.length;
    this.expectedNext = record.offset + 1n;
    this.lastAppendMs = nowMs;
    if (this.fixedLast !== null && record.offset >= this.fixedLast) closed.push(this.close('registry'));
    return closed;
  }

  /**
   * Closes the open chunk early (the partition went quiet, or memory is short). Not replay-stable on its own: the
   * writer fixes the boundary in the registry before it writes anything. A chunk whose end the registry already
   * fixed is never cut short.
   */
  closeEarly(reason: 'idle' | 'pressure', nowMs: number, idleMs = 0): Chunk | null {
    if (this.records.length === 0 || this.fixedLast !== null) return null;
    if (reason === 'idle' && nowMs - this.lastAppendMs < idleMs) return null;
    return this.close(reason);
  }

  /** Forgets everything; with `resumeAt`, waits for that offset (a seek is on its way) before taking records. */
  reset(resumeAt: bigint | null = null): void {
    this.records = [];
    this.bytes = 0;
    this.fixedLast = null;
    this.expectedNext = null;
    this.resumeAt = resumeAt;
  }

  private close(reason: CloseReason): Chunk {
    const records = this.records;
    const first = (records[0] as KafkaRecord).offset;
    const lastRecord = (records.at(-1) as KafkaRecord).offset;
    const chunk: Chunk = {
      partition: this.partition,
      first,
      last: this.fixedLast !== null && this.fixedLast > lastRecord ? this.fixedLast : lastRecord,
      records,
      bytes: this.bytes,
      reason,
    };
    this.records = [];
    this.bytes = 0;
    this.fixedLast = null;
    return chunk;
  }
}
