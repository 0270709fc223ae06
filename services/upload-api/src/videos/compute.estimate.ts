// What transcoding a video cost: the task seconds of all its attempts (parts and stitch included) and an estimate at
// Fargate's on-demand prices for the size each attempt's tasks ran at. An estimate: Fargate bills per second with a
// one-minute minimum per task, plus storage and transfer, which this leaves out.
import type { JobCompute } from '@reelforge/db';

export interface FargatePrices {
  vcpuHourUsd: number;
  gbHourUsd: number;
}

export interface ComputeEstimate {
  taskSeconds: number;
  estimatedCostUsd: number;
}

/** Attempts whose task size was not recorded count in the seconds but not in the cost. */
export function estimateCompute(jobs: readonly JobCompute[], prices: FargatePrices): ComputeEstimate {
  let taskSeconds = 0;
  let cost = 0;
  for (const job of jobs) {
    taskSeconds += job.taskSeconds;
    if (job.taskCpu === null || job.taskMemoryMib === null) continue;
    const hourly = (job.taskCpu / 1024) * prices.vcpuHourUsd + (job.taskMemoryMib / 1024) * prices.gbHourUsd;
    cost += (job.taskSeconds / 3600) * hourly;
  }
  return { taskSeconds: Math.round(taskSeconds * 1000) / 1000, estimatedCostUsd: Math.round(cost * 1e6) / 1e6 };
}
