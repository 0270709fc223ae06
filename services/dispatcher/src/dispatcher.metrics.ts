// The dispatcher's own series (consumer lag comes from @reelforge/kafka on the same registry).
import { type JobStatus, jobStatuses } from '@reelforge/db';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface DispatcherMetrics {
  jobs: Gauge<'state'>;
  overdue: Gauge;
  launches: Counter<'launcher'>;
  launchFailures: Counter<'launcher' | 'code'>;
  launchWaits: Counter<'reason'>;
  queuedSeconds: Histogram;
  reaped: Counter<'reason'>;
  deadlinesExtended: Counter;
  forgedReports: Counter<'topic'>;
  partRetries: Counter<'kind' | 'code'>;
  taskSeconds: Counter<'part'>;
  setJobCounts(counts: Record<JobStatus, number>): void;
}

export function dispatcherMetrics(registry: Registry): DispatcherMetrics {
  const registers = [registry];
  const forgedReports = new Counter({
    name: 'reelforge_forged_reports_total',
    help: 'Transcoder reports dropped because they lacked the job token of their (video, attempt), by topic',
    labelNames: ['topic'],
    registers,
  });
  // Exported at 0 from the start: increase() cannot see the first report of a series that did not exist before it,
  // and the forged-report alert must fire on that one.
  forgedReports.inc({ topic: 'video.transcode-started' }, 0);
  const jobs = new Gauge({
    name: 'reelforge_jobs',
    help: 'Transcode jobs by state (all replicas; refreshed every reaper interval)',
    labelNames: ['state'],
    registers,
  });
  return {
    jobs,
    overdue: new Gauge({
      name: 'reelforge_jobs_overdue',
      help: 'Jobs launching or running past their deadline (the reaper should bring this back to 0 within an interval)',
      registers,
    }),
    launches: new Counter({
      name: 'reelforge_task_launches_total',
      help: 'Transcoder tasks launched',
      labelNames: ['launcher'],
      registers,
    }),
    launchFailures: new Counter({
      name: 'reelforge_task_launch_failures_total',
      help: 'Launches that failed, by error code',
      labelNames: ['launcher', 'code'],
      registers,
    }),
    launchWaits: new Counter({
      name: 'reelforge_launch_waits_total',
      help: 'Jobs put back to wait for launch capacity: cap (the global MAX_RUNNING_TASKS) or capacity (the platform had no room, e.g. ECS RESOURCE:CPU)',
      labelNames: ['reason'],
      registers,
    }),
    queuedSeconds: new Histogram({
      name: 'reelforge_job_queued_seconds',
      help: 'From job created to its task started',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    }),
    reaped: new Counter({
      name: 'reelforge_jobs_reaped_total',
      help: 'Jobs the reaper declared lost, by the failure code written',
      labelNames: ['reason'],
      registers,
    }),
    deadlinesExtended: new Counter({
      name: 'reelforge_job_deadlines_extended_total',
      help: 'Job deadlines moved later once the task reported the real source duration (video.transcode-started)',
      registers,
    }),
    forgedReports,
    partRetries: new Counter({
      name: 'reelforge_part_retries_total',
      help: 'Parts of chunked jobs (aux, chunk) launched again after a retryable failure or a lost task, by kind and code',
      labelNames: ['kind', 'code'],
      registers,
    }),
    taskSeconds: new Counter({
      name: 'reelforge_task_seconds_total',
      help: 'Wall seconds transcoder tasks reported running, by part (whole and stitch from completion; aux and chunk from the dispatcher): the compute videos cost',
      labelNames: ['part'],
      registers,
    }),
    setJobCounts: (counts) => {
      for (const state of jobStatuses) jobs.set({ state }, counts[state]);
    },
  };
}
