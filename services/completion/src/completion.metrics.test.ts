import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { completionMetrics, metricCode } from './completion.metrics.js';

describe('metricCode', () => {
  it('keeps the codes of the catalog and folds any other into OTHER', () => {
    expect(['TASK_LOST', 'UNSUPPORTED_INPUT', 'FFMPEG_SEGFAULT_42', 'toString'].map(metricCode)).toEqual([
      'TASK_LOST',
      'UNSUPPORTED_INPUT',
      'OTHER',
      'OTHER',
    ]);
  });
});

describe('completionMetrics', () => {
  it('registers every metric under the reelforge_ prefix', async () => {
    const registry = new Registry();
    completionMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual([
      'reelforge_forged_reports_total',
      'reelforge_renditions_total',
      'reelforge_task_seconds_total',
      'reelforge_transcode_failures_total',
      'reelforge_transcode_realtime_factor',
      'reelforge_transcode_retries_total',
      'reelforge_transcode_seconds',
      'reelforge_upload_to_ready_seconds',
      'reelforge_videos_failed_total',
      'reelforge_videos_ready_total',
    ]);
  });
});
