// What the lake writer counts. Rows, bytes and objects are counted when a chunk is durable, not when it is read.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface LakeMetrics {
  rowsWritten: Counter;
  duplicates: Counter;
  invalid: Counter;
  objects: Counter;
  bytes: Counter;
  /** By CloseReason. */
  chunks: Counter<'reason'>;
  flushDuration: Histogram;
  flushFailures: Counter;
  conflicts: Counter;
}

export function lakeMetrics(registry: Registry, bufferedBytes: () => number): LakeMetrics {
  new Gauge({
    name: 'reelforge_lake_buffered_bytes',
    help: 'Event bytes read from Kafka and not yet committed to the lake',
    registers: [registry],
    collect() {
      this.set(bufferedBytes());
    },
  });
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  return {
    rowsWritten: counter('reelforge_lake_events_written_total', 'Event rows in Parquet objects made durable'),
    duplicates: counter(
      'reelforge_lake_events_duplicate_total',
      'Records dropped for an event_id seen earlier in the chunk',
    ),
    invalid: counter('reelforge_lake_events_invalid_total', 'Records that were not readable engagement events'),
    objects: counter('reelforge_lake_objects_written_total', 'Parquet objects written to the lake'),
    bytes: counter('reelforge_lake_bytes_written_total', 'Parquet bytes written to the lake'),
    chunks: new Counter({
      name: 'reelforge_lake_chunks_total',
      help: 'Chunks committed, by what closed them: bytes, events, span, registry (replay), idle, pressure',
      labelNames: ['reason'],
      registers: [registry],
    }),
    flushDuration: new Histogram({
      name: 'reelforge_lake_flush_duration_seconds',
      help: 'From a chunk closing to its offset commit: Parquet, upload, counts',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    flushFailures: counter(
      'reelforge_lake_flush_failures_total',
      'Chunk flush attempts that failed and will be retried',
    ),
    conflicts: counter(
      'reelforge_lake_chunk_conflicts_total',
      'Chunks whose range another writer had fixed differently; the partition was re-read from the chunk start',
    ),
  };
}
