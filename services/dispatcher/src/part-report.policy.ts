// What a part's report (or its lost task) does to a chunked job, decided from the job and part rows alone: a done
// part is recorded; a retryable failure launches that part again up to its own limit; a permanent failure, or the
// limit, ends the attempt. chunk.service.ts applies it by compare-and-set on (status, part-attempt).
import type { TranscodeJob, TranscodePart } from '@reelforge/db';

export type PartIgnoreReason =
  /** No job of that attempt, or one never planned as chunks. */
  | 'not-chunked'
  /** The attempt ended (failed, lost, succeeded): nothing of it is launched any more. */
  | 'job-ended'
  /** The plan has no such part. */
  | 'no-part'
  /** The part already ended, or is waiting for its next launch: a redelivery, or a late report of a lost task. */
  | 'part-not-running';

export type PartOutcome = { kind: 'done' } | { kind: 'failed'; code: string; message: string; retryable: boolean };

export type PartDecision =
  | { kind: 'ignore'; reason: PartIgnoreReason }
  | { kind: 'done' }
  | { kind: 'retry'; nextPartAttempt: number }
  | { kind: 'fail-attempt'; cause: 'permanent' | 'exhausted'; error: { code: string; message: string } };

export function decidePartReport(
  job: Pick<TranscodeJob, 'status' | 'chunkCount'> | null,
  part: Pick<TranscodePart, 'kind' | 'chunkIndex' | 'status' | 'partAttempt'> | null,
  outcome: PartOutcome,
  maxPartAttempts: number,
): PartDecision {
  if (job === null || job.chunkCount === null) return { kind: 'ignore', reason: 'not-chunked' };
  if (job.status !== 'launching' && job.status !== 'running') return { kind: 'ignore', reason: 'job-ended' };
  if (part === null) return { kind: 'ignore', reason: 'no-part' };
  if (part.status !== 'launching' && part.status !== 'running') return { kind: 'ignore', reason: 'part-not-running' };
  if (outcome.kind === 'done') return { kind: 'done' };
  const name = part.kind === 'chunk' ? `chunk ${part.chunkIndex}` : `the ${part.kind} part`;
  if (!outcome.retryable) {
    return { kind: 'fail-attempt', cause: 'permanent', error: { code: outcome.code, message: outcome.message } };
  }
  if (part.partAttempt >= maxPartAttempts) {
    return {
      kind: 'fail-attempt',
      cause: 'exhausted',
      error: {
        code: outcome.code,
        message: `${name} failed ${part.partAttempt} times; last: ${outcome.message}`,
      },
    };
  }
  return { kind: 'retry', nextPartAttempt: part.partAttempt + 1 };
}

/**
 * The video's progress while chunked: the share of parts done, the stitch counted as one more part so that 100 is
 * left for `ready`.
 */
export function chunkProgress(partsDone: number, chunkCount: number): number {
  const parts = chunkCount + 2;
  return Math.floor((100 * Math.min(partsDone, parts - 1)) / parts);
}
