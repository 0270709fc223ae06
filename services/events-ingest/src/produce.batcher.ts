// Coalesces the events of concurrent requests into few Kafka produce requests. The idempotent producer keeps one
// request in flight per broker, so a send per HTTP request would serialise on round trips; here whatever arrives
// while a send is in flight leaves together in the next one. publish() resolves only once the brokers acknowledged
// every event it was given, which is what lets the HTTP layer answer 202.
import { AppError } from '@reelforge/contracts';
import type { EventMessage } from './kafka.sender.js';

export type SendBatch = (messages: EventMessage[]) => Promise<void>;

export interface BatcherOptions {
  /** Value and key bytes per send; a publish larger than this is split over several sends. */
  maxBatchBytes: number;
  /** Accepted but unacknowledged bytes beyond which publish() refuses with RATE_LIMITED. */
  maxPendingBytes: number;
}

interface Publication {
  remaining: number;
  failed: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Piece {
  messages: EventMessage[];
  bytes: number;
  publication: Publication;
}

const messageBytes = (m: EventMessage) => m.value.length + m.key.length;

export class ProduceBatcher {
  private queue: Piece[] = [];
  private pendingBytes = 0;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly send: SendBatch,
    private readonly opts: BatcherOptions,
  ) {}

  get pending(): { bytes: number; pieces: number } {
    return { bytes: this.pendingBytes, pieces: this.queue.length };
  }

  publish(messages: EventMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const pieces = this.split(messages);
    const bytes = pieces.reduce((sum, p) => sum + p.bytes, 0);
    if (this.pendingBytes > 0 && this.pendingBytes + bytes > this.opts.maxPendingBytes) {
      return Promise.reject(new AppError('RATE_LIMITED', 'ingest is saturated; retry shortly'));
    }
    return new Promise<void>((resolve, reject) => {
      const publication: Publication = { remaining: pieces.length, failed: false, resolve, reject };
      for (const piece of pieces) this.queue.push({ ...piece, publication });
      this.pendingBytes += bytes;
      this.sending ??= this.drain();
    });
  }

  /** Resolves when everything published so far has been acknowledged or has failed. */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private split(messages: EventMessage[]): Omit<Piece, 'publication'>[] {
    const pieces: Omit<Piece, 'publication'>[] = [];
    let current: EventMessage[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = messageBytes(m);
      if (current.length > 0 && bytes + size > this.opts.maxBatchBytes) {
        pieces.push({ messages: current, bytes });
        current = [];
        bytes = 0;
      }
      current.push(m);
      bytes += size;
    }
    pieces.push({ messages: current, bytes });
    return pieces;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        const messages = batch.length === 1 ? (batch[0] as Piece).messages : batch.flatMap((p) => p.messages);
        let error: unknown;
        try {
          await this.send(messages);
        } catch (err) {
          error = err;
        }
        for (const piece of batch) {
          this.pendingBytes -= piece.bytes;
          settle(piece.publication, error);
        }
      }
    } finally {
      this.sending = undefined;
    }
  }

  /** Whole pieces from the head of the queue, up to maxBatchBytes (always at least one). */
  private take(): Piece[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length) {
      const next = this.queue[n] as Piece;
      if (n > 0 && bytes + next.bytes > this.opts.maxBatchBytes) break;
      bytes += next.bytes;
      n++;
    }
    return this.queue.splice(0, n);
  }
}

function settle(publication: Publication, error: unknown): void {
  if (publication.failed) return;
  if (error !== undefined) {
    // One failed piece fails the publication; its other pieces may be on Kafka, and the player's retry of the
    // batch is made harmless by event_id de-duplication in the lake.
    publication.failed = true;
    publication.reject(error);
    return;
  }
  publication.remaining--;
  if (publication.remaining === 0) publication.resolve();
}
