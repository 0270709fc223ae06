// Applies the completion policy: reads the video, decides, and writes the decision in one transaction (job,
// video, renditions or the retry's outbox message together), then counts and logs what changed.

import type { S3Client } from '@aws-sdk/client-s3';
import {
  processingFailed,
  type VideoTranscodedV1,
  type VideoTranscodeFailedV1,
  type VideoTranscodeProgressV1,
} from '@reelforge/contracts';
import {
  type Database,
  failAttempt,
  JobRepository,
  type Kysely,
  OutboxRepository,
  PartRepository,
  RenditionRepository,
  type Transaction,
  type TranscodeJob,
  transaction,
  type Video,
  VideoRepository,
} from '@reelforge/db';
import { chunkFiles } from '@reelforge/media';
import type { Logger } from '@reelforge/observability';
import { deletePrefix, outputPrefix } from '@reelforge/storage';
import { type CompletionMetrics, metricCode } from './completion.metrics.js';
import {
  decideFailed,
  decideProgress,
  decideTranscoded,
  type Fail,
  type Ignore,
  type IgnoreReason,
  outputsOrphaned,
  type PolicyOptions,
  type RecordReady,
  type Retry,
} from './completion.policy.js';

export interface CompletionServiceDeps {
  db: Kysely<Database>;
  policy: PolicyOptions;
  metrics: CompletionMetrics;
  /** Where transcoders write: the outputs of an attempt that can never be shown are deleted from it. */
  outputs: { s3: S3Client; bucket: string };
  now?: () => Date;
}

type Applied<D> = { decision: D; video: Video | null; job: TranscodeJob | null };

/** How often a decision is re-made when the video changed between reading and writing it. */
const MAX_ROUNDS = 3;

/** Thrown inside a transaction to roll it back: a compare-and-set found the video no longer as it was read. */
class VideoMoved extends Error {}

// Anything else ignored is an anomaly worth a look: a report for an attempt or a state that never launched one.
const expected = new Set<IgnoreReason>(['video-missing', 'video-finished', 'stale-attempt', 'progress-not-ahead']);

export class CompletionService {
  private readonly videos: VideoRepository;
  private readonly renditions: RenditionRepository;
  private readonly jobs: JobRepository;
  private readonly outbox: OutboxRepository;
  private readonly parts: PartRepository;
  private readonly now: () => Date;

  constructor(private readonly deps: CompletionServiceDeps) {
    this.videos = new VideoRepository(deps.db);
    this.renditions = new RenditionRepository(deps.db);
    this.jobs = new JobRepository(deps.db);
    this.outbox = new OutboxRepository(deps.db);
    this.parts = new PartRepository(deps.db);
    this.now = deps.now ?? (() => new Date());
  }

  async onTranscoded(msg: VideoTranscodedV1, log: Logger): Promise<RecordReady | Ignore> {
    const { decision, video, job } = await this.decideAndApply(
      msg.videoId,
      (v) => decideTranscoded(v, msg),
      async (tx, d: RecordReady) => {
        const job = await this.finishJob(tx, msg.videoId, d.attempt, 'succeeded', { taskSeconds: msg.taskSeconds });
        if (!(await this.videos.markReady(tx, msg.videoId, d.attempt, d.outputs))) throw new VideoMoved();
        await this.renditions.replaceForVideo(tx, msg.videoId, d.attempt, d.renditions);
        return job;
      },
    );
    const ids = { videoId: msg.videoId, attempt: msg.attempt, jobId: job?.id ?? null };
    if (decision.kind === 'ignore') {
      this.logIgnored(log, ids, decision.reason, 'transcoded');
      if (outputsOrphaned(video, msg.attempt)) await this.deleteOutputs(ids, log);
      return decision;
    }
    // An earlier attempt's outputs outlive it when its failure report was ignored or the store was down at the time;
    // once the video is ready nothing can show them any more.
    for (let attempt = 1; attempt < msg.attempt; attempt++) {
      await this.deleteOutputs({ videoId: msg.videoId, attempt }, log);
    }
    // A chunked attempt's parts were stitched into the layout the video now plays from.
    if (job?.chunkCount != null)
      await this.deleteOutputs({ videoId: msg.videoId, attempt: msg.attempt }, log, chunkFiles.dir);
    const now = this.now();
    const m = this.deps.metrics;
    if (msg.taskSeconds) m.taskSeconds.inc({ part: job?.chunkCount != null ? 'stitch' : 'whole' }, msg.taskSeconds);
    m.videosReady.inc();
    m.renditions.inc(decision.renditions.length);
    if (video) m.uploadToReady.observe(secondsBetween(video.createdAt, now));
    const wall = job?.startedAt ? secondsBetween(job.startedAt, now) : null;
    if (wall !== null) {
      m.transcodeSeconds.observe({ outcome: 'succeeded' }, wall);
      if (decision.outputs.durationSec > 0) m.realtimeFactor.observe(wall / decision.outputs.durationSec);
    }
    log.info(
      { ...ids, renditions: decision.renditions.length, durationSec: decision.outputs.durationSec, wallSec: wall },
      'video ready',
    );
    return decision;
  }

  async onFailed(msg: VideoTranscodeFailedV1, log: Logger): Promise<Retry | Fail | Ignore> {
    const failure = { errorCode: msg.code, errorMessage: msg.message, taskSeconds: msg.taskSeconds };
    const { decision, job } = await this.decideAndApply(
      msg.videoId,
      (v) => decideFailed(v, msg, this.deps.policy),
      async (tx, d: Retry | Fail) => {
        const job = await this.finishJob(tx, msg.videoId, msg.attempt, 'failed', failure);
        if (d.kind === 'fail') {
          if (!(await this.videos.markFailed(msg.videoId, d.attempt, d.error, tx))) throw new VideoMoved();
          return job;
        }
        // The video row changes before its message is added: its lock orders one video's outbox rows (see outbox).
        if ((await this.videos.startNextAttempt(tx, msg.videoId, d.failedAttempt)) !== d.nextAttempt) {
          throw new VideoMoved();
        }
        await this.outbox.add(tx, {
          topic: 'video.uploaded',
          payload: d.event,
          availableAt: new Date(this.now().getTime() + Math.round(d.delaySec * 1000)),
        });
        return job;
      },
    );
    const ids = { videoId: msg.videoId, attempt: msg.attempt, jobId: job?.id ?? null };
    if (decision.kind === 'ignore') {
      this.logIgnored(log, ids, decision.reason, 'transcode-failed', { code: msg.code });
      return decision;
    }
    // The attempt can never be shown now. A transcoder that could not confirm its video.transcoded kept its outputs
    // and sent nothing more; if that report was lost, nothing else would ever name them.
    await this.deleteOutputs(ids, log);
    const m = this.deps.metrics;
    if (msg.taskSeconds) m.taskSeconds.inc({ part: job?.chunkCount != null ? 'stitch' : 'whole' }, msg.taskSeconds);
    const code = metricCode(msg.code);
    m.failures.inc({ code, retryable: String(msg.retryable) });
    if (job?.startedAt) m.transcodeSeconds.observe({ outcome: 'failed' }, secondsBetween(job.startedAt, this.now()));
    const error = { code: msg.code, message: msg.message, retryable: msg.retryable };
    if (decision.kind === 'retry') {
      m.retries.inc();
      log.info(
        { ...ids, ...error, nextAttempt: decision.nextAttempt, delaySec: decision.delaySec },
        'attempt failed; next attempt scheduled',
      );
    } else {
      m.videosFailed.inc({ code });
      log.warn({ ...ids, ...error, cause: decision.cause }, 'video failed');
    }
    return decision;
  }

  /**
   * The consumer parked a report of this attempt (handling it kept failing): the attempt ends `failed` with
   * PROCESSING_FAILED, video and job, unless a retry superseded it or it has ended — never left processing for a
   * report that will not be applied. Directly, not through the policy, which is what kept failing. With
   * `deleteOutputs` (a parked `video.transcoded`), what the attempt wrote goes too: it can never be shown now.
   */
  async failParked(
    report: { videoId: string; attempt: number },
    log: Logger,
    opts: { deleteOutputs?: boolean } = {},
  ): Promise<void> {
    const error = processingFailed();
    const { videoFailed, jobFailed } = await failAttempt(this.deps.db, {
      ...report,
      error: { code: error.code, message: error.message },
    });
    const ids = { videoId: report.videoId, attempt: report.attempt };
    if (!videoFailed) {
      log.warn({ ...ids, ...(jobFailed ? { job: 'failed' } : {}) }, 'report parked; its attempt had already ended');
      return;
    }
    this.deps.metrics.videosFailed.inc({ code: error.code });
    log.warn({ ...ids, code: error.code, cause: 'parked', ...(jobFailed ? { job: 'failed' } : {}) }, 'video failed');
    if (opts.deleteOutputs) await this.deleteOutputs(ids, log);
  }

  /**
   * The hot path is the one guarded UPDATE of setProgress. Only when it matched nothing, and someone reads debug
   * logs, is the video read to say why.
   */
  async onProgress(msg: VideoTranscodeProgressV1, log: Logger): Promise<void> {
    if (await this.videos.setProgress(msg.videoId, msg.attempt, msg.percent)) return;
    if (!log.isLevelEnabled('debug')) return;
    const decision = decideProgress(await this.videos.findById(msg.videoId), msg);
    const reason = decision.kind === 'ignore' ? decision.reason : 'video-moved';
    log.debug({ videoId: msg.videoId, attempt: msg.attempt, percent: msg.percent, reason }, 'progress ignored');
  }

  /**
   * Reads the video, decides, and applies a non-ignore decision in the same transaction. The reads take no lock:
   * every write is a compare-and-set on the columns the decision was made from, and when one finds the video moved
   * (a delete, another replica) the transaction rolls back and the decision is made again from the new row.
   */
  private async decideAndApply<D extends { kind: string }>(
    videoId: string,
    decide: (video: Video | null) => D,
    apply: (tx: Transaction<Database>, decision: Exclude<D, Ignore>) => Promise<TranscodeJob | null>,
  ): Promise<Applied<D>> {
    for (let round = 1; ; round++) {
      try {
        // A deadlock or lost connection re-runs the whole read-decide-apply, which touches nothing but the rows.
        return await transaction(this.deps.db, async (tx) => {
          const video = await this.videos.findById(videoId, tx);
          const decision = decide(video);
          if (isIgnore(decision)) return { decision, video, job: null };
          const job = await apply(tx, decision as Exclude<D, Ignore>);
          return { decision, video, job };
        });
      } catch (err) {
        if (!(err instanceof VideoMoved) || round >= MAX_ROUNDS) throw err;
      }
    }
  }

  /** The attempt's job, ended if it had not ended yet (the reaper may have marked it lost already). */
  private async finishJob(
    tx: Transaction<Database>,
    videoId: string,
    attempt: number,
    outcome: 'succeeded' | 'failed',
    result: { errorCode?: string; errorMessage?: string; taskSeconds?: number | undefined },
  ): Promise<TranscodeJob | null> {
    const job = await this.jobs.findByVideoAttempt(videoId, attempt, tx);
    if (job) await this.jobs.markFinished(job.id, outcome, result, tx);
    // A chunked job's report comes from its stitch task, which the reaper would otherwise judge lost once it exits.
    if (job?.chunkCount != null) await this.parts.finishStitch(tx, job.id, outcome);
    return job;
  }

  /**
   * A transcoder still running when its video was deleted (or its attempt given up) writes after the cleanup, and one
   * whose result was lost leaves its outputs behind; without this its objects would stay forever, named by no row.
   */
  private async deleteOutputs(ids: { videoId: string; attempt: number }, log: Logger, under = ''): Promise<void> {
    const { s3, bucket } = this.deps.outputs;
    const prefix = `${outputPrefix(ids.videoId, ids.attempt)}${under}`;
    try {
      const deleted = await deletePrefix(s3, bucket, prefix);
      if (deleted > 0)
        log.info(
          { ...ids, bucket, prefix, deleted },
          under ? 'parts of a stitched attempt deleted' : 'outputs of an unused attempt deleted',
        );
    } catch (err) {
      // A storage outage must not hold up the partition's other reports; the log names what is left behind.
      log.warn({ ...ids, err, bucket, prefix }, 'could not delete the outputs of an unused attempt');
    }
  }

  private logIgnored(
    log: Logger,
    ids: { videoId: string; attempt: number },
    reason: IgnoreReason,
    report: string,
    extra: Record<string, unknown> = {},
  ): void {
    const line = { ...ids, ...extra, reason, report };
    if (expected.has(reason)) log.info(line, 'report ignored');
    else log.warn(line, 'report ignored');
  }
}

const isIgnore = (decision: { kind: string }): decision is Ignore => decision.kind === 'ignore';

const secondsBetween = (from: Date, to: Date): number => Math.max(0, (to.getTime() - from.getTime()) / 1000);
