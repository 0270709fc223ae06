// What the reaper does with one job, given what its launcher says about its task. Pure, so every case is a test.
import type { TranscodeJob } from '@reelforge/db';
import type { TaskStatus } from './task.launcher.js';

export interface LostVerdict {
  action: 'lost';
  code: 'TASK_LOST' | 'TRANSCODE_TIMEOUT';
  message: string;
  exitCode: number | null;
  /** The task is still running past its deadline: stop it before declaring it lost. */
  stopTask: boolean;
}

export type ReapVerdict = { action: 'keep' } | LostVerdict;

const keep: ReapVerdict = { action: 'keep' };

/** How long after a task stopped its result may still be on its way to the completion service. */
export interface ReapGrace {
  /** A task that failed or was killed: its failure report, if it sent one, is already in Kafka. */
  stoppedMs: number;
  /**
   * A task that exited 0 published its result before exiting; the job is still running only because completion has
   * not recorded it yet (consumer lag, a parked or retried message). Longer, so the reaper's failure does not
   * overtake a good result; completion ends the job as soon as it has the result, and then the reaper never sees it.
   */
  succeededMs: number;
}

/** @param status the task's status, or null when the job has no task recorded yet (still launching) */
export function reapVerdict(
  job: Pick<TranscodeJob, 'taskId' | 'deadlineAt'>,
  status: TaskStatus | null,
  now: Date,
  grace: ReapGrace,
): ReapVerdict {
  const overdue = job.deadlineAt.getTime() <= now.getTime();
  const deadline = job.deadlineAt.toISOString();
  if (status === null) {
    return overdue ? lost('TASK_LOST', `no task was recorded as started by the deadline ${deadline}`, null) : keep;
  }
  switch (status.state) {
    case 'running':
      return overdue
        ? {
            ...lost('TRANSCODE_TIMEOUT', `task ${job.taskId} still running at the deadline ${deadline}; stopped`, null),
            stopTask: true,
          }
        : keep;
    case 'stopped': {
      const stoppedFor = status.stoppedAt ? now.getTime() - status.stoppedAt.getTime() : Number.POSITIVE_INFINITY;
      if (stoppedFor < (status.exitCode === 0 ? grace.succeededMs : grace.stoppedMs)) return keep;
      const exit = status.exitCode === null ? 'no exit code' : `exit code ${status.exitCode}`;
      return lost(
        'TASK_LOST',
        `task ${job.taskId} stopped without a result (${exit}; ${status.reason})`,
        status.exitCode,
      );
    }
    case 'unknown':
      return overdue ? lost('TASK_LOST', `task ${job.taskId} not found at the deadline ${deadline}`, null) : keep;
  }
}

function lost(code: LostVerdict['code'], message: string, exitCode: number | null): LostVerdict {
  return { action: 'lost', code, message, exitCode, stopTask: false };
}
