// Consumes `engagement.events` into the lake: records are cut into replay-stable chunks per partition (see
// chunk.assembler.ts), each chunk's range is fixed in the registry, written as Parquet, uploaded, counted, and only
// then is its end committed to Kafka. A crash anywhere before the commit replays the chunk from its first offset,
// which re-creates the same objects under the same keys and finds its counts already applied: each event is in the
// lake once and counted once.
//
// kafkajs directly rather than @reelforge/kafka's startConsumer: that runner commits per message, while here a
// commit may only follow a durable object many thousands of messages later, and fetching must continue while a
// chunk is being written.

import type { S3Client } from '@aws-sdk/client-s3';
import { backoffMs, sleep } from '@reelforge/core';
import { putFile } from '@reelforge/storage';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { type Chunk, ChunkAssembler, type FlushBounds, type KafkaRecord } from './chunk.assembler.js';
import type { ChunkRegistry } from './chunk.registry.js';
import { lakeObjectKey } from './lake.keys.js';
import type { LakeMetrics } from './lake.metrics.js';
import type { ParquetChunkWriter } from './parquet.writer.js';

export interface LakeWriterOptions {
  kafka: Kafka;
  groupId: string;
  /** The full topic name, prefix included. */
  topic: string;
  s3: S3Client;
  bucket: string;
  /** Key prefix of the players' (EngagementEventV1) objects, e.g. `events/`. */
  keyPrefix: string;
  /** Key prefix of the analytics design's (MediaEventV1) objects, e.g. `media-events/`. */
  mediaKeyPrefix: string;
  registry: ChunkRegistry;
  parquet: ParquetChunkWriter;
  bounds: FlushBounds;
  /** A partition quiet for this long has its open chunk closed (the registry makes that boundary replay-stable). */
  idleMs: number;
  /** Bytes read and not yet committed, over all partitions, beyond which fetching waits. */
  maxBufferedBytes: number;
  /** Chunks written at the same time, over all partitions. */
  flushConcurrency: number;
  logger: Logger;
  metrics?: LakeMetrics;
  /** Runs after a chunk's objects are durable and counted, right before its offset is committed. */
  beforeCommit?: (chunk: Chunk) => Promise<void>;
}

export interface LakeWriter {
  ready(): Promise<void>;
  /** Stops consuming; what is not committed is left for the next owner to replay. */
  stop(): Promise<void>;
  bufferedBytes(): number;
}

interface PartitionWork {
  partition: number;
  assembler: ChunkAssembler;
  /** Whether the de-duplication window of the next chunk is in place (see parquet.writer.ts). */
  windowReady: boolean;
  /** While re-reading the chunk before the committed offset, to rebuild the window after a restart. */
  warm?: { from: bigint; until: bigint; started: boolean; records: KafkaRecord[] };
  queue: Chunk[];
  flushing: Promise<void> | undefined;
  /** Bumped whenever the partition's position is reset: work of an older generation must not commit. */
  generation: number;
}

const EMPTY = Buffer.alloc(0);

export async function startLakeWriter(opts: LakeWriterOptions): Promise<LakeWriter> {
  const log = opts.logger.child({ topic: opts.topic, groupId: opts.groupId });
  const works = new Map<number, PartitionWork>();
  let stopping = false;
  let slots = opts.flushConcurrency;
  const slotWaiters: (() => void)[] = [];
  let progress: (() => void)[] = [];

  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
    maxWaitTimeInMs: 500,
    retry: { restartOnFailure: async () => !stopping },
  });

  const notifyProgress = () => {
    const waiters = progress;
    progress = [];
    for (const w of waiters) w();
  };

  const workFor = (partition: number): PartitionWork => {
    let work = works.get(partition);
    if (!work) {
      work = {
        partition,
        windowReady: false,
        assembler: new ChunkAssembler(partition, opts.bounds, (first) =>
          opts.registry.lookup(opts.topic, partition, first),
        ),
        queue: [],
        flushing: undefined,
        generation: 0,
      };
      works.set(partition, work);
    }
    return work;
  };

  const bufferedBytes = () => {
    let total = 0;
    for (const w of works.values()) {
      total += w.assembler.openBytes;
      for (const c of w.queue) total += c.bytes;
    }
    return total;
  };

  const resetPartition = (work: PartitionWork, resumeAt: bigint | null = null) => {
    work.generation++;
    work.queue = [];
    work.windowReady = false;
    work.warm = undefined;
    work.assembler.reset(resumeAt);
    notifyProgress();
  };

  const acquire = async () => {
    if (slots > 0) {
      slots--;
      return;
    }
    await new Promise<void>((resolve) => slotWaiters.push(resolve));
  };
  const release = () => {
    const next = slotWaiters.shift();
    if (next) next();
    else slots++;
  };

  const flushOnce = async (work: PartitionWork, chunk: Chunk, generation: number): Promise<void> => {
    const { partition } = chunk;
    const fixedLast =
      chunk.reason === 'registry'
        ? chunk.last
        : await opts.registry.claim(opts.topic, partition, chunk.first, chunk.last, chunk.records.length);
    if (fixedLast !== chunk.last) {
      // Another writer fixed a different range from this offset first (a rebalance raced an early close): re-read
      // the partition from the chunk start so this chunk is rebuilt to the fixed range.
      opts.metrics?.conflicts.inc();
      log.warn(
        { partition, first: chunk.first, ours: chunk.last, fixed: fixedLast },
        'chunk range conflict; re-reading',
      );
      if (work.generation === generation) {
        resetPartition(work, chunk.first);
        consumer.seek({ topic: opts.topic, partition, offset: chunk.first.toString() });
      }
      return;
    }

    const written = await opts.parquet.write(chunk);
    try {
      await Promise.all(
        written.files.map((f) =>
          putFile(
            opts.s3,
            {
              bucket: opts.bucket,
              key: lakeObjectKey(f.schema === 'media' ? opts.mediaKeyPrefix : opts.keyPrefix, { ...f, partition }),
            },
            f.path,
            'application/vnd.apache.parquet',
          ),
        ),
      );
    } finally {
      await written.cleanup();
    }
    await opts.registry.applyCounts(opts.topic, partition, chunk.first, written.counts);
    await opts.beforeCommit?.(chunk);
    if (work.generation !== generation || stopping) return;
    await consumer.commitOffsets([{ topic: opts.topic, partition, offset: (chunk.last + 1n).toString() }]);
    // This chunk will not be written again without a reset, which rebuilds its window if it needs it.
    await opts.parquet.dropWindows(partition, chunk.first + 1n);

    const m = opts.metrics;
    if (m) {
      const rows = written.files.reduce((n, f) => n + f.rows, 0);
      m.rowsWritten.inc(rows);
      m.duplicates.inc(written.duplicates);
      m.invalid.inc(written.invalid);
      m.objects.inc(written.files.length);
      m.bytes.inc(written.files.reduce((n, f) => n + f.bytes, 0));
      m.chunks.inc({ reason: chunk.reason });
    }
    log.debug(
      { partition, first: chunk.first, last: chunk.last, files: written.files.length, reason: chunk.reason },
      'chunk committed',
    );
  };

  const flushWithRetry = async (work: PartitionWork, chunk: Chunk, generation: number) => {
    const end = opts.metrics?.flushDuration.startTimer();
    for (let attempt = 1; !stopping && work.generation === generation; attempt++) {
      try {
        await flushOnce(work, chunk, generation);
        end?.();
        return;
      } catch (err) {
        opts.metrics?.flushFailures.inc();
        const delayMs = backoffMs(attempt, { baseMs: 500, capMs: 30_000 });
        log.error({ err, partition: chunk.partition, first: chunk.first, attempt, delayMs }, 'chunk flush failed');
        await sleep(delayMs);
      }
    }
  };

  // One chunk at a time per partition, so offsets are committed in order.
  const pump = (work: PartitionWork) => {
    if (work.flushing) return;
    work.flushing = (async () => {
      try {
        while (!stopping && work.queue.length > 0) {
          const chunk = work.queue[0] as Chunk;
          const generation = work.generation;
          await acquire();
          try {
            await flushWithRetry(work, chunk, generation);
          } finally {
            release();
          }
          if (work.generation === generation) work.queue.shift();
          notifyProgress();
        }
      } finally {
        work.flushing = undefined;
      }
    })();
  };

  const enqueue = (work: PartitionWork, chunks: Chunk[]) => {
    if (chunks.length === 0) return;
    work.queue.push(...chunks);
    pump(work);
  };

  /**
   * Before the first chunk after a reset, the de-duplication window (the ids of the chunk that ended right before
   * it) must be in place, or the chunk would keep duplicates the first run dropped. After a restart it is rebuilt
   * by seeking back and re-reading that chunk, whose range the registry holds. 'consumed': the record only fed the
   * window; 'skip': a leftover from before the seek; 'stop': a seek was issued.
   */
  const prepare = async (
    work: PartitionWork,
    record: KafkaRecord,
  ): Promise<'append' | 'consumed' | 'skip' | 'stop'> => {
    const { partition } = work;
    if (work.warm) {
      const warm = work.warm;
      if (record.offset < warm.until) {
        if (record.offset < warm.from) return 'skip';
        warm.started = true;
        warm.records.push(record);
        return 'consumed';
      }
      if (!warm.started) return 'skip';
      await opts.parquet.loadWindow(partition, warm.until, warm.records);
      work.warm = undefined;
      work.windowReady = true;
      return 'append';
    }
    if (!work.windowReady) {
      if (!(await opts.parquet.hasWindow(partition, record.offset))) {
        const from = await opts.registry.previousFirst(opts.topic, partition, record.offset);
        if (from !== null) {
          log.info({ partition, from, until: record.offset }, 're-reading the previous chunk for the de-dup window');
          work.warm = { from, until: record.offset, started: false, records: [] };
          consumer.seek({ topic: opts.topic, partition, offset: from.toString() });
          return 'stop';
        }
      }
      work.windowReady = true;
    }
    return 'append';
  };

  /** Backpressure: hold the fetch loop while too much is buffered, keeping the group membership alive. */
  const waitForRoom = async (payload: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>) => {
    while (bufferedBytes() > opts.maxBufferedBytes && payload.isRunning() && !payload.isStale()) {
      const anyQueued = [...works.values()].some((w) => w.queue.length > 0);
      if (!anyQueued) {
        // Everything buffered sits in open chunks that no bound will close yet: close the largest that may be.
        const bySize = [...works.values()].sort((a, b) => b.assembler.openBytes - a.assembler.openBytes);
        let closed = false;
        for (const work of bySize) {
          const chunk = work.assembler.closeEarly('pressure', Date.now());
          if (chunk) {
            enqueue(work, [chunk]);
            closed = true;
            break;
          }
        }
        // Only chunks whose end the registry fixed are open (a replay): they close when their last record arrives,
        // so fetching must go on, over the limit by at most one chunk per partition.
        if (!closed) return;
      }
      await Promise.race([new Promise<void>((resolve) => progress.push(resolve)), sleep(1000)]);
      await payload.heartbeat();
    }
  };

  const idleTimer = setInterval(
    () => {
      const now = Date.now();
      for (const work of works.values()) {
        const chunk = work.assembler.closeEarly('idle', now, opts.idleMs);
        if (chunk) enqueue(work, [chunk]);
      }
    },
    Math.max(50, Math.min(opts.idleMs / 4, 5000)),
  );
  idleTimer.unref();

  let markReady: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    // kafkajs restarts every assigned partition from its committed offset after a join: so does the assembler.
    const assigned = new Set(payload.memberAssignment[opts.topic] ?? []);
    for (const [partition, work] of works) {
      resetPartition(work);
      if (!assigned.has(partition)) {
        works.delete(partition);
        opts.parquet.dropWindows(partition).catch((err) => log.warn({ err, partition }, 'could not drop windows'));
      }
    }
    log.info({ partitions: [...assigned] }, 'joined consumer group');
    markReady();
  });

  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async (payload) => {
      const { batch, resolveOffset, isRunning, isStale } = payload;
      const work = workFor(batch.partition);
      const generation = work.generation;
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || work.generation !== generation) break;
        const record = {
          offset: BigInt(message.offset),
          timestampMs: Number(message.timestamp),
          value: message.value ?? EMPTY,
        };
        const step = await prepare(work, record);
        if (work.generation !== generation || step === 'stop') break;
        if (step === 'skip') continue;
        if (step === 'consumed') {
          resolveOffset(message.offset);
          continue;
        }
        const closed = await work.assembler.append(record, Date.now());
        if (work.generation !== generation) break;
        enqueue(work, closed);
        // Resolving only moves the fetch position; nothing is committed until its chunk is durable.
        resolveOffset(message.offset);
      }
      await waitForRoom(payload);
    },
  });

  return {
    ready: () => readyPromise,
    bufferedBytes,
    stop: async () => {
      stopping = true;
      clearInterval(idleTimer);
      notifyProgress();
      await consumer.disconnect();
      await Promise.allSettled([...works.values()].map((w) => w.flushing));
      log.info('lake writer stopped');
    },
  };
}
