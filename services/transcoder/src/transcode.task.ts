// Task mode: one job from the raw bucket to the processed bucket, reported on Kafka: `video.transcode-started` once
// the source is accepted, progress, then one terminal event, `video.transcoded` or `video.transcode-failed`. The
// scratch space is always removed.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError, type MessageOf, type TopicName, type TranscodeJobSpecV1, toAppError } from '@reelforge/contracts';
import { checkInputSize, type InputLimits, resolveProfile } from '@reelforge/media';
import { type createS3Client, deletePrefix, getStream, headObject, outputPrefix } from '@reelforge/storage';
import type { Logger } from 'pino';
import { uploadOutputs } from './outputs.uploader.js';
import { progressSteps } from './progress.steps.js';
import { prefixManifest, transcodeFile } from './transcode.service.js';

export interface EventSender {
  send<T extends TopicName>(topic: T, messages: MessageOf<T>[]): Promise<void>;
}

export interface TaskDeps {
  spec: TranscodeJobSpecV1;
  s3: ReturnType<typeof createS3Client>;
  events: EventSender;
  logger: Logger;
  scratchDir: string;
  limits: InputLimits;
  maxOutputSide: number;
  threads: number;
  timeoutMs: number;
  signal: AbortSignal;
}

export type TaskOutcome = { ok: true } | { ok: false; error: AppError };

/**
 * Sending `video.transcoded` threw: the broker may have stored it all the same (a timeout after the write), so the
 * outputs it names must stay. Completion deletes them if the attempt turns out unused.
 */
class ResultUnconfirmed extends Error {}

export async function runTranscodeTask(deps: TaskDeps): Promise<TaskOutcome> {
  const { spec, s3, events, logger, signal } = deps;
  // The job token on every report: completion and the dispatcher apply only reports that carry their job's.
  const ids = { version: 1 as const, videoId: spec.videoId, attempt: spec.attempt, jobToken: spec.jobToken };
  const prefix = outputPrefix(spec.videoId, spec.attempt);
  if (spec.output.prefix !== prefix) {
    logger.warn(
      { specPrefix: spec.output.prefix, prefix },
      'job spec names another output prefix; using the layout of @reelforge/storage',
    );
  }
  const work = await mkdtemp(join(deps.scratchDir, `rf-transcode-${spec.videoId}-${spec.attempt}-`));
  // Reports (started, progress) go out in order and never hold ffmpeg up; the terminal event waits for them (same
  // key, same partition).
  let progressSent = Promise.resolve();
  let uploading = false;
  const started = Date.now();
  const startedAt = new Date(started).toISOString();

  try {
    const profile = resolveProfile(spec.profile);
    const source = join(work, 'source');
    const sourceSha256 = await download(deps, source);

    const result = await transcodeFile(source, join(work, 'out'), {
      videoId: spec.videoId,
      attempt: spec.attempt,
      profile,
      limits: deps.limits,
      maxOutputSide: deps.maxOutputSide,
      threads: deps.threads,
      timeoutMs: deps.timeoutMs,
      logger,
      signal,
      // Best effort like progress: without it the dispatcher keeps its default deadline, nothing worse.
      onPlanned: (source) => {
        progressSent = progressSent
          .then(() => events.send('video.transcode-started', [{ ...ids, ...source, startedAt, sourceSha256 }]))
          .catch((err: unknown) => logger.warn({ err }, 'transcode-started event not sent'));
      },
      onProgress: progressSteps(5, (percent) => {
        progressSent = progressSent
          .then(() => events.send('video.transcode-progress', [{ ...ids, percent }]))
          .catch((err: unknown) => logger.warn({ err, percent }, 'progress event not sent'));
      }),
    });

    uploading = true;
    await uploadOutputs(s3, {
      bucket: spec.output.bucket,
      prefix,
      dir: join(work, 'out'),
      files: result.files,
      signal,
    });
    await progressSent;
    try {
      await events.send('video.transcoded', [{ ...prefixManifest(result.manifest, prefix), jobToken: spec.jobToken }]);
    } catch (err) {
      throw new ResultUnconfirmed('video.transcoded could not be confirmed', { cause: err });
    }
    logger.info({ ms: Date.now() - started, files: result.files.length }, 'transcoded');
    return { ok: true };
  } catch (err) {
    if (err instanceof ResultUnconfirmed) {
      // No failure report either: it would be a second, contradicting outcome if the result was stored. The
      // non-zero exit leaves the verdict to the reaper, after its grace period.
      const error = new AppError('INTERNAL', 'the transcode result could not be confirmed as published');
      logger.error({ err, code: error.code, ms: Date.now() - started }, 'transcoded, but the result may be lost');
      return { ok: false, error };
    }
    const error = signal.aborted && !(err instanceof AppError) ? toAppError(signal.reason) : toAppError(err);
    logger.error({ err, code: error.code, retryable: error.retryable, ms: Date.now() - started }, 'transcode failed');
    if (uploading) {
      // Best effort: the prefix belongs to this attempt alone, so nothing else is lost if this fails too.
      await deletePrefix(s3, spec.output.bucket, prefix).catch((e: unknown) =>
        logger.warn({ err: e }, 'could not remove partial outputs'),
      );
    }
    await progressSent;
    await events.send('video.transcode-failed', [
      { ...ids, code: error.code, message: error.message, retryable: error.retryable },
    ]);
    return { ok: false, error };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Returns the source's SHA-256, computed on the way to disk. S3 keeps no full-object SHA-256 of a multipart upload
 * (SHA-256 checksums of one are composite, per part), and hashing it in the API's complete step would read the
 * whole object inside a request; the task reads every byte anyway.
 */
async function download(deps: TaskDeps, path: string): Promise<string> {
  const ref = deps.spec.source;
  let head: Awaited<ReturnType<typeof headObject>>;
  try {
    head = await headObject(deps.s3, ref);
  } catch (err) {
    throw new AppError('STORAGE_ERROR', `reading ${ref.bucket}/${ref.key} failed`, { cause: err });
  }
  if (!head) throw new AppError('NOT_FOUND', `the source ${ref.bucket}/${ref.key} does not exist`);
  // Refused before a byte is fetched: a 50 GB upload is not worth the download to learn it is too large.
  const sizeError = checkInputSize(head.bytes, deps.limits);
  if (sizeError) throw sizeError;
  try {
    const hash = createHash('sha256');
    await pipeline(
      await getStream(deps.s3, ref),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(path),
      { signal: deps.signal },
    );
    return hash.digest('hex');
  } catch (err) {
    if (deps.signal.aborted) throw deps.signal.reason;
    throw new AppError('STORAGE_ERROR', `downloading ${ref.bucket}/${ref.key} failed`, { cause: err });
  }
}
