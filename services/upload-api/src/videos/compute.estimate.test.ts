import { describe, expect, it } from 'vitest';
import { estimateCompute } from './compute.estimate.js';

// us-east-1 Linux/x86 on-demand.
const prices = { vcpuHourUsd: 0.04048, gbHourUsd: 0.004445 };

describe('estimateCompute', () => {
  it('prices each attempt’s seconds at its task size', () => {
    // 2 vCPU, 4 GB for an hour: 2 × 0.04048 + 4 × 0.004445 = 0.09874; half that again for a 30-minute retry.
    expect(
      estimateCompute(
        [
          { attempt: 1, taskSeconds: 3600, taskCpu: 2048, taskMemoryMib: 4096 },
          { attempt: 2, taskSeconds: 1800, taskCpu: 2048, taskMemoryMib: 4096 },
        ],
        prices,
      ),
    ).toEqual({ taskSeconds: 5400, estimatedCostUsd: 0.14811 });
  });

  it('counts the seconds of an attempt without a recorded size, but not its cost', () => {
    expect(
      estimateCompute(
        [
          { attempt: 1, taskSeconds: 12.3456, taskCpu: null, taskMemoryMib: null },
          { attempt: 2, taskSeconds: 60, taskCpu: 1024, taskMemoryMib: 2048 },
        ],
        prices,
      ),
    ).toEqual({ taskSeconds: 72.346, estimatedCostUsd: 0.000823 });
  });

  it('is zero for a video nothing ran for yet', () => {
    expect(estimateCompute([], prices)).toEqual({ taskSeconds: 0, estimatedCostUsd: 0 });
  });
});
