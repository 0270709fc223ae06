// Applies a task's `video.transcode-started` (see transcode-started.policy.ts) in one transaction: the video row
// locked first (the order the intake locks in), then the job's deadline and the video's source written, each as a
// compare-and-set, so a redelivery, a replica or the reaper racing it leaves one consistent outcome.
import type { VideoTranscodeStartedV1 } from '@reelforge/contracts';
import { type Database, type JobRepository, type Kysely, transaction, type VideoRepository } from '@reelforge/db';
import type { Logger } from 'pino';
import type { ChunkService } from './chunk.service.js';
import type { DispatcherMetrics } from './dispatcher.metrics.js';
import type { DeadlinePolicy } from './job.deadline.js';
import { decideStarted, type StartedDecision } from './transcode-started.policy.js';

export interface TranscodeStartedDeps {
  db: Kysely<Database>;
  videos: VideoRepository;
  jobs: JobRepository;
  deadline: DeadlinePolicy;
  metrics: DispatcherMetrics;
  chunks: ChunkService;
}

/** `planned`: this message's chunk plan was recorded (false for a redelivery, or without a plan). */
export type StartedOutcome = StartedDecision & { extended: boolean; planned?: boolean };

export class TranscodeStartedService {
  constructor(private readonly deps: TranscodeStartedDeps) {}

  async onStarted(msg: VideoTranscodeStartedV1, log: Logger): Promise<StartedOutcome> {
    const { db, videos, jobs } = this.deps;
    const ids = { videoId: msg.videoId, attempt: msg.attempt };
    // Checked before anything is locked: a forged report costs one read and changes nothing. Committed, not retried.
    if ((await jobs.verifyReport(msg)) === 'forged') {
      this.deps.metrics.forgedReports.inc({ topic: 'video.transcode-started' });
      log.warn({ ...ids, jobToken: msg.jobToken ? 'wrong' : 'missing' }, 'forged transcode-started dropped');
      return { kind: 'ignore', reason: 'forged', extended: false };
    }
    const outcome = await transaction(db, async (tx): Promise<StartedOutcome & { jobId?: string }> => {
      const [video] = await videos.lockMany(tx, [msg.videoId]);
      const job = await jobs.findByVideoAttempt(msg.videoId, msg.attempt, tx);
      const decision = decideStarted(video ?? null, job, msg, this.deps.deadline);
      if (decision.kind === 'ignore') return { ...decision, extended: false };
      // The hash comes from a verified report of the current attempt, and fills only a missing one (recordSource).
      await videos.recordSource(msg.videoId, msg.attempt, { ...decision.source, sha256: msg.sourceSha256 }, tx);
      const extended =
        job !== null && decision.extendTo !== null && (await jobs.extendDeadline(job.id, decision.extendTo, tx));
      const planned = job !== null && msg.chunks !== undefined && (await this.deps.chunks.recordPlan(tx, job, msg));
      return { ...decision, extended, ...(msg.chunks ? { planned } : {}), ...(job ? { jobId: job.id } : {}) };
    });
    if (outcome.kind === 'ignore') {
      log.info({ ...ids, reason: outcome.reason }, 'transcode-started ignored');
      return outcome;
    }
    const { jobId, ...result } = outcome;
    if (outcome.extended) this.deps.metrics.deadlinesExtended.inc();
    log.info(
      {
        ...ids,
        jobId,
        durationSec: msg.durationSec,
        frameCount: msg.frameCount,
        ...(outcome.extended && outcome.extendTo ? { deadlineAt: outcome.extendTo } : {}),
      },
      outcome.extended ? 'job deadline sized from the source' : 'source recorded; job deadline kept',
    );
    if (msg.chunks && jobId) {
      if (outcome.planned) log.info({ ...ids, jobId, chunks: msg.chunks.length }, 'job planned as chunks');
      // A redelivery launches what a crash left pending; each part is claimed by compare-and-set, so nothing twice.
      await this.deps.chunks.launchPending(jobId, log);
    }
    return result;
  }
}
