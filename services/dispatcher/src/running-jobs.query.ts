// Running jobs of one launcher, page by page and without locks: the reaper's early look for tasks that stopped before
// their deadline. Marking one lost is a compare-and-set, so reading them unlocked is safe with several replicas.
import type { Database, Kysely, Launcher, TranscodeJob } from '@reelforge/db';

export class RunningJobsQuery {
  constructor(private readonly db: Kysely<Database>) {}

  /** Up to `limit` running jobs with a task, after `afterId` in id order. */
  async page(launcher: Launcher, limit: number, afterId?: string): Promise<TranscodeJob[]> {
    let query = this.db
      .selectFrom('transcodeJobs')
      .selectAll()
      .where('status', '=', 'running')
      .where('launcher', '=', launcher)
      .where('taskId', 'is not', null)
      // A chunked job's planning task goes on to the aux part and exits: its parts are judged instead.
      .where('chunkCount', 'is', null);
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    return query.orderBy('id').limit(limit).execute();
  }
}
