// What the completion service counts, beside the Kafka consumer metrics of @reelforge/kafka on the same registry.
import { errorCodes } from '@reelforge/contracts';
import { Counter, Histogram, type Registry } from 'prom-client';

export interface CompletionMetrics {
  videosReady: Counter;
  renditions: Counter;
  videosFailed: Counter<'code'>;
  failures: Counter<'code' | 'retryable'>;
  retries: Counter;
  uploadToReady: Histogram;
  realtimeFactor: Histogram;
  transcodeSeconds: Histogram<'outcome'>;
  forgedReports: Counter<'topic'>;
  taskSeconds: Counter<'part'>;
}

/**
 * Codes come from transcoders, whose versions may outlive this one: an unknown code is counted as OTHER so a
 * label cannot grow without bound. The database keeps the code as reported.
 */
export const metricCode = (code: string): string => (Object.hasOwn(errorCodes, code) ? code : 'OTHER');

export function completionMetrics(registry: Registry): CompletionMetrics {
  return {
    videosReady: new Counter({
      name: 'reelforge_videos_ready_total',
      help: 'Videos that became ready',
      registers: [registry],
    }),
    renditions: new Counter({
      name: 'reelforge_renditions_total',
      help: 'Renditions recorded for videos that became ready',
      registers: [registry],
    }),
    videosFailed: new Counter({
      name: 'reelforge_videos_failed_total',
      help: 'Videos that ended failed (permanent failure or attempts exhausted), by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'reelforge_transcode_failures_total',
      help: 'Failed transcode attempts of the current attempt, by error code and whether the transcoder called it retryable',
      labelNames: ['code', 'retryable'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'reelforge_transcode_retries_total',
      help: 'Next attempts scheduled after a retryable failure',
      registers: [registry],
    }),
    uploadToReady: new Histogram({
      name: 'reelforge_upload_to_ready_seconds',
      help: 'From the video record being created to the video being ready, retries included',
      buckets: [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200],
      registers: [registry],
    }),
    realtimeFactor: new Histogram({
      name: 'reelforge_transcode_realtime_factor',
      help: 'Transcode wall seconds (job started to finished) per second of video; below 1 is faster than real time',
      buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      registers: [registry],
    }),
    transcodeSeconds: new Histogram({
      name: 'reelforge_transcode_seconds',
      help: 'Wall time of a transcode attempt from job start to its result, by outcome',
      labelNames: ['outcome'],
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400],
      registers: [registry],
    }),
    forgedReports: new Counter({
      name: 'reelforge_forged_reports_total',
      help: 'Transcoder reports dropped because they lacked the job token of their (video, attempt), by topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    taskSeconds: new Counter({
      name: 'reelforge_task_seconds_total',
      help: 'Wall seconds transcoder tasks reported running, by part (whole and stitch from completion; aux and chunk from the dispatcher): the compute videos cost',
      labelNames: ['part'],
      registers: [registry],
    }),
  };
}
