// Live status of videos for this API instance: one Kafka consumer feeds it, it fans out in memory to the SSE
// subscribers of each video. The state a subscriber starts from and every status change come from one database
// read per video (shared by all its subscribers); progress comes straight from the transcoder's messages.
import { AppError, type MessageOf, type Video as VideoResource } from '@reelforge/contracts';
import { type PeriodicRunner, sleep, startPeriodic } from '@reelforge/core';
import type { Video, VideoRepository } from '@reelforge/db';
import type { Logger } from 'pino';

export interface LiveSubscriber {
  send(video: VideoResource): void;
  /** A comment line that keeps proxies from closing an idle stream. */
  heartbeat(): void;
  /** The stream is over: the video reached ready or failed, was deleted, or the instance is stopping. */
  end(): void;
}

export interface LiveStatusOptions {
  videos: Pick<VideoRepository, 'findById'>;
  present(video: Video): Promise<VideoResource>;
  logger: Logger;
  /** Subscribers this instance holds at once; more are refused with 503 SERVER_BUSY. */
  maxSubscribers: number;
  heartbeatMs: number;
  /**
   * Every watched video is re-read this often: some changes announce themselves on no topic (queued, a video
   * failed by a parked message, a delete), and a consumer that lagged or lost its broker must not leave a
   * subscriber waiting for ever.
   */
  resyncMs: number;
  /** How long a result message is followed by re-reads until completion's write shows (it consumes the same message). */
  settleMs?: number;
}

const TERMINAL = new Set(['ready', 'failed']);

interface Watch {
  ownerId: string;
  attempt: number;
  last: VideoResource;
  subscribers: Set<LiveSubscriber>;
  /** A re-read in flight, and whether another was asked for meanwhile. */
  reading?: Promise<void> | undefined;
  again: boolean;
}

/** What a subscriber sees change; presigned links are re-signed on every read and do not count. */
const fingerprint = (v: VideoResource) =>
  JSON.stringify([v.status, v.progressPct, v.error?.code, v.source.durationSec, v.title, v.visibility]);

export class LiveStatusHub {
  private readonly watches = new Map<string, Watch>();
  private count = 0;
  private readonly stopping = new AbortController();
  private readonly loops: PeriodicRunner[];

  constructor(private readonly opts: LiveStatusOptions) {
    this.loops = [
      startPeriodic('live-status heartbeat', opts.heartbeatMs, async () => this.heartbeat(), opts.logger, {
        immediate: false,
      }),
      startPeriodic('live-status resync', opts.resyncMs, () => this.resync(), opts.logger, { immediate: false }),
    ];
  }

  get subscribers(): number {
    return this.count;
  }

  /**
   * Sends the video's current state at once, then its changes, and ends after ready or failed. Null when there is
   * no such video of this owner.
   */
  async subscribe(videoId: string, ownerId: string, subscriber: LiveSubscriber): Promise<boolean> {
    if (this.count >= this.opts.maxSubscribers || this.stopping.signal.aborted) {
      throw new AppError('SERVER_BUSY', 'too many live status streams on this instance', { retryAfterSec: 5 });
    }
    this.count++;
    let added = false;
    try {
      let watch = this.watches.get(videoId);
      if (!watch) {
        const row = await this.opts.videos.findById(videoId);
        if (!row || row.ownerId !== ownerId) return false;
        const last = await this.opts.present(row);
        // Another subscriber may have started watching while this one read: after the last await, so two concurrent
        // first subscribers share one watch instead of the second replacing the first's (orphaning its subscriber).
        watch = this.watches.get(videoId) ?? {
          ownerId: row.ownerId,
          attempt: row.attempt,
          last,
          subscribers: new Set(),
          again: false,
        };
        this.watches.set(videoId, watch);
      }
      if (watch.ownerId !== ownerId) {
        if (watch.subscribers.size === 0) this.watches.delete(videoId);
        return false;
      }
      subscriber.send(watch.last);
      if (TERMINAL.has(watch.last.status)) {
        if (watch.subscribers.size === 0) this.watches.delete(videoId);
        subscriber.end();
        return true;
      }
      watch.subscribers.add(subscriber);
      added = true;
      return true;
    } finally {
      if (!added) this.count--;
    }
  }

  /** The client went away. */
  unsubscribe(videoId: string, subscriber: LiveSubscriber): void {
    const watch = this.watches.get(videoId);
    if (!watch?.subscribers.delete(subscriber)) return;
    this.count--;
    if (watch.subscribers.size === 0) this.watches.delete(videoId);
  }

  /** Progress of the current attempt, never backwards; no database read. */
  onProgress(message: MessageOf<'video.transcode-progress'>): void {
    const watch = this.watches.get(message.videoId);
    if (!watch || watch.attempt !== message.attempt || TERMINAL.has(watch.last.status)) return;
    const pct = Math.min(100, Math.max(0, Math.floor(message.percent)));
    if (pct <= watch.last.progressPct) return;
    const status = watch.last.status === 'queued' ? 'processing' : watch.last.status;
    this.broadcast(message.videoId, watch, { ...watch.last, status, progressPct: pct });
  }

  /** Something about the video changed (an upload, an attempt started): re-read it. */
  onChange(videoId: string): void {
    if (this.watches.has(videoId)) void this.refresh(videoId);
  }

  /**
   * A result of `attempt`: completion writes what it means from the same message, so re-read until the row shows
   * the attempt ended (ready, failed, or a next attempt), for at most settleMs.
   */
  onResult(videoId: string, attempt: number): void {
    if (!this.watches.has(videoId)) return;
    void (async () => {
      const until = Date.now() + (this.opts.settleMs ?? 30_000);
      for (let delay = 100; Date.now() < until; delay = Math.min(delay * 2, 2000)) {
        await this.refresh(videoId);
        const watch = this.watches.get(videoId);
        if (!watch || watch.attempt !== attempt) return;
        if (!(await sleep(delay, this.stopping.signal))) return;
      }
    })();
  }

  /** Ends every stream (the instance is stopping): clients reconnect to another one. */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops.map((l) => l.stop()));
    for (const watch of this.watches.values()) for (const s of watch.subscribers) s.end();
    this.watches.clear();
    this.count = 0;
  }

  /** One read per video at a time; asks made during a read get one more read after it. */
  private refresh(videoId: string): Promise<void> {
    const watch = this.watches.get(videoId);
    if (!watch) return Promise.resolve();
    if (watch.reading) {
      watch.again = true;
      return watch.reading;
    }
    watch.reading = (async () => {
      do {
        watch.again = false;
        try {
          await this.read(videoId, watch);
        } catch (err) {
          this.opts.logger.warn({ err, videoId }, 'could not re-read a watched video');
        }
      } while (watch.again);
      watch.reading = undefined;
    })();
    return watch.reading;
  }

  private async read(videoId: string, watch: Watch): Promise<void> {
    const row = await this.opts.videos.findById(videoId);
    if (this.watches.get(videoId) !== watch) return;
    if (!row || row.ownerId !== watch.ownerId) {
      this.finish(videoId, watch);
      return;
    }
    watch.attempt = row.attempt;
    const next = await this.opts.present(row);
    if (fingerprint(next) !== fingerprint(watch.last)) this.broadcast(videoId, watch, next);
  }

  private broadcast(videoId: string, watch: Watch, video: VideoResource): void {
    watch.last = video;
    for (const s of watch.subscribers) s.send(video);
    if (TERMINAL.has(video.status)) this.finish(videoId, watch);
  }

  private finish(videoId: string, watch: Watch): void {
    this.watches.delete(videoId);
    this.count -= watch.subscribers.size;
    for (const s of watch.subscribers) s.end();
    watch.subscribers.clear();
  }

  private heartbeat(): void {
    for (const watch of this.watches.values()) for (const s of watch.subscribers) s.heartbeat();
  }

  private async resync(): Promise<void> {
    await Promise.all([...this.watches.keys()].map((id) => this.refresh(id)));
  }
}
