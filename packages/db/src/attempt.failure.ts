// Ending one attempt of a video as failed, video and job together, for a service that gives up on it outside the
// completion policy: a consumer that parked the attempt's message in its DLQ.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';
import { JobRepository } from './job.repository.js';
import { VideoRepository } from './video.repository.js';

export interface AttemptFailure {
  videoId: string;
  attempt: number;
  error: { code: string; message: string };
}

/**
 * In one transaction, by compare-and-set: the video `failed` with `error` if `attempt` is still its current one and
 * it has not ended, and the attempt's job `failed` if it has not ended. Idempotent: a second call, or one for a
 * superseded attempt, changes nothing and says so.
 */
export async function failAttempt(
  db: Kysely<Database>,
  { videoId, attempt, error }: AttemptFailure,
  /** Joins the caller's transaction (which must not have locked the job row before the video's). */
  outer?: Transaction<Database>,
): Promise<{ videoFailed: boolean; jobFailed: boolean }> {
  const videos = new VideoRepository(db);
  const jobs = new JobRepository(db);
  // The video row first, the order in which the dispatcher's intake locks them.
  const fail = async (tx: Transaction<Database>) => {
    const videoFailed = await videos.markFailed(videoId, attempt, error, tx);
    const job = await jobs.findByVideoAttempt(videoId, attempt, tx);
    const jobFailed =
      job !== null &&
      (await jobs.markFinished(job.id, 'failed', { errorCode: error.code, errorMessage: error.message }, tx));
    return { videoFailed, jobFailed };
  };
  return outer ? fail(outer) : db.transaction().execute(fail);
}
