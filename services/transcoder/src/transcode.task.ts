// Task mode: one part of a job (its spec's `part`), from the raw bucket to the processed bucket, reported on Kafka.
// `whole`: `video.transcode-started` once the source is accepted, progress, then `video.transcoded` or
// `video.transcode-failed`; over the chunking threshold it publishes the chunk plan instead and does the aux part.
// `aux` and `chunk`: `video.chunk-transcoded` or `video.chunk-failed`. `stitch`: like `whole`. Every report carries
// the task's seconds. The scratch space is always removed.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  AppError,
  type ChunkPartV1,
  type MessageOf,
  type TaskPartV1,
  type TopicName,
  type TranscodeJobSpecV1,
  toAppError,
} from '@reelforge/contracts';
import { checkInputSize, chunkDir, chunkFiles, type InputLimits, planChunks, resolveProfile } from '@reelforge/media';
import {
  type createS3Client,
  deletePrefix,
  downloadToFile,
  getStream,
  headObject,
  outputPrefix,
  presignGet,
} from '@reelforge/storage';
import type { Logger } from 'pino';
import {
  type ChunkedPlan,
  encodeAux,
  encodeChunk,
  readPlanFile,
  stitchChunks,
  stitchInputs,
  writePlanFile,
} from './chunked.service.js';
import { uploadOutputs } from './outputs.uploader.js';
import { progressSteps } from './progress.steps.js';
import { acceptSource, encodeWhole, plannedSource, prefixManifest } from './transcode.service.js';

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
  const part: TaskPartV1 = spec.part ?? { kind: 'whole' };
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
  const out = join(work, 'out');
  // Reports (started, progress) go out in order and never hold ffmpeg up; the terminal event waits for them (same
  // key, same partition).
  let progressSent = Promise.resolve();
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const taskSeconds = () => Math.round(Date.now() - started) / 1000;
  // A failure fails the video's attempt, except a chunk's or the aux part's: that part alone is launched again. A
  // whole task that has published its chunk plan goes on as the aux part.
  let failedPart: ChunkPartV1 | null =
    part.kind === 'chunk' ? { kind: 'chunk', index: part.index } : part.kind === 'aux' ? { kind: 'aux' } : null;
  // Which launch of its part this task is, echoed on its part reports: the dispatcher ignores a late report of an
  // earlier launch of a part it has launched again.
  const echo =
    (part.kind === 'chunk' || part.kind === 'aux') && part.partAttempt ? { partAttempt: part.partAttempt } : {};
  // What to remove if the task fails after it began to upload (relative to the attempt's prefix).
  let written: string[] = [];
  const upload = async (files: string[], owned: string[]) => {
    written = owned;
    await uploadOutputs(s3, { bucket: spec.output.bucket, prefix, dir: out, files, signal });
  };
  const terminal = async <T extends TopicName>(topic: T, message: MessageOf<T>) => {
    await progressSent;
    try {
      await events.send(topic, [message]);
    } catch (err) {
      throw new ResultUnconfirmed(`${topic} could not be confirmed`, { cause: err });
    }
  };
  const partOpts = { threads: deps.threads, timeoutMs: deps.timeoutMs, logger, signal };

  try {
    const profile = resolveProfile(spec.profile);
    const source = join(work, 'source');
    switch (part.kind) {
      case 'whole': {
        const sourceSha256 = await download(deps, source);
        const transcodeOpts = {
          videoId: spec.videoId,
          attempt: spec.attempt,
          profile,
          limits: deps.limits,
          maxOutputSide: deps.maxOutputSide,
          ...partOpts,
        };
        const plan = await acceptSource(source, transcodeOpts);
        const chunks = spec.chunking ? planChunks(plan, spec.chunking) : null;
        if (chunks) {
          // The plan goes up before it is announced: the chunk tasks launched on the announcement read it.
          await writePlanFile(out, { plan, chunks });
          await upload([chunkFiles.plan], [chunkFiles.plan]);
          await events.send('video.transcode-started', [
            { ...ids, ...plannedSource(plan), startedAt, chunks, sourceSha256 },
          ]);
          logger.info({ chunks: chunks.length }, 'transcode planned in chunks; encoding the aux part');
          failedPart = { kind: 'aux' };
          written = [];
          await upload(await encodeAux(source, out, plan, partOpts), [`${chunkFiles.auxDir}/`]);
          await terminal('video.chunk-transcoded', {
            ...ids,
            part: { kind: 'aux' },
            ...echo,
            taskSeconds: taskSeconds(),
          });
          break;
        }
        // Best effort like progress: without it the dispatcher keeps its default deadline, nothing worse.
        progressSent = progressSent
          .then(() =>
            events.send('video.transcode-started', [{ ...ids, ...plannedSource(plan), startedAt, sourceSha256 }]),
          )
          .catch((err: unknown) => logger.warn({ err }, 'transcode-started event not sent'));
        const result = await encodeWhole(source, out, plan, {
          ...transcodeOpts,
          onProgress: progressSteps(5, (percent) => {
            progressSent = progressSent
              .then(() => events.send('video.transcode-progress', [{ ...ids, percent }]))
              .catch((err: unknown) => logger.warn({ err, percent }, 'progress event not sent'));
          }),
        });
        await upload(result.files, ['']);
        await terminal('video.transcoded', {
          ...prefixManifest(result.manifest, prefix),
          jobToken: spec.jobToken,
          taskSeconds: taskSeconds(),
        });
        logger.info({ ms: Date.now() - started, files: result.files.length }, 'transcoded');
        break;
      }
      case 'aux': {
        await download(deps, source);
        const { plan } = await fetchPlan(deps, out);
        await upload(await encodeAux(source, out, plan, partOpts), [`${chunkFiles.auxDir}/`]);
        await terminal('video.chunk-transcoded', {
          ...ids,
          part: { kind: 'aux' },
          ...echo,
          taskSeconds: taskSeconds(),
        });
        break;
      }
      case 'chunk': {
        const input = await sourceUrl(deps);
        const chunked = await fetchPlan(deps, out);
        const planned = chunked.chunks[part.index];
        if (chunked.chunks.length !== part.count || planned?.startSec !== part.startSec) {
          logger.warn({ part, planned }, 'the job spec and the chunk plan disagree; encoding by the plan');
        }
        await upload(await encodeChunk(input, out, chunked, part.index, partOpts), [`${chunkDir(part.index)}/`]);
        await terminal('video.chunk-transcoded', {
          ...ids,
          part: { kind: 'chunk', index: part.index },
          ...echo,
          taskSeconds: taskSeconds(),
        });
        logger.info({ ms: Date.now() - started, chunk: part.index }, 'chunk transcoded');
        break;
      }
      case 'stitch': {
        const chunked = await fetchPlan(deps, out);
        if (chunked.chunks.length !== part.count) {
          throw new AppError(
            'INTERNAL',
            `the stitch expects ${part.count} chunks; the plan has ${chunked.chunks.length}`,
          );
        }
        await fetchParts(
          deps,
          out,
          stitchInputs(chunked).filter((f) => f !== chunkFiles.plan),
        );
        const result = await stitchChunks(out, chunked, { ...partOpts, videoId: spec.videoId, attempt: spec.attempt });
        // Its own outputs only: the chunks stay for another stitch until completion removes them with the attempt.
        await upload(result.files, topLevel(result.files));
        await terminal('video.transcoded', {
          ...prefixManifest(result.manifest, prefix),
          jobToken: spec.jobToken,
          taskSeconds: taskSeconds(),
        });
        logger.info({ ms: Date.now() - started, files: result.files.length }, 'stitched');
        break;
      }
    }
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
    logger.error(
      { err, code: error.code, retryable: error.retryable, ms: Date.now() - started, part: failedPart ?? part },
      'transcode failed',
    );
    // Best effort: what is removed belongs to this task alone, so nothing else is lost if this fails too.
    for (const rel of written) {
      await deletePrefix(s3, spec.output.bucket, prefix + rel).catch((e: unknown) =>
        logger.warn({ err: e }, 'could not remove partial outputs'),
      );
    }
    await progressSent;
    const failure = {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      taskSeconds: taskSeconds(),
    };
    if (failedPart) await events.send('video.chunk-failed', [{ ...ids, part: failedPart, ...echo, ...failure }]);
    else await events.send('video.transcode-failed', [{ ...ids, ...failure }]);
    return { ok: false, error };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Each top-level name of a set of relative paths (`480p/…` → `480p/`), to delete a task's own outputs by prefix. */
const topLevel = (files: string[]) => [...new Set(files.map((f) => (f.includes('/') ? `${f.split('/')[0]}/` : f)))];

/** The chunk plan the planning task left under the attempt's prefix. */
async function fetchPlan(deps: TaskDeps, out: string): Promise<ChunkedPlan> {
  await fetchParts(deps, out, [chunkFiles.plan]);
  return readPlanFile(out);
}

/** Files under the attempt's prefix into `out`, a few at a time. */
async function fetchParts(deps: TaskDeps, out: string, files: string[]): Promise<void> {
  const prefix = outputPrefix(deps.spec.videoId, deps.spec.attempt);
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      await mkdir(dirname(join(out, file)), { recursive: true });
      try {
        await downloadToFile(deps.s3, { bucket: deps.spec.output.bucket, key: prefix + file }, join(out, file));
      } catch (err) {
        if (deps.signal.aborted) throw deps.signal.reason;
        throw new AppError('TRANSCODE_FAILED', `reading the part ${file} of this attempt failed`, { cause: err });
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * The source's URL for a chunk part, signed with the task's own session: FFmpeg reads the index and the chunk's range
 * by HTTP ranges instead of the task downloading the whole source (gigabytes, for the long sources chunking is for).
 * Signed for the task's whole budget; a session that ends sooner ends it sooner, and FFmpeg's 403 is then a
 * retryable failure of this chunk alone.
 */
async function sourceUrl(deps: TaskDeps): Promise<URL> {
  const expiresInSec = Math.min(Math.ceil(deps.timeoutMs / 1000), MAX_PRESIGN_SEC);
  try {
    return new URL(await presignGet(deps.s3, deps.spec.source, expiresInSec));
  } catch (err) {
    throw new AppError('STORAGE_ERROR', 'the source could not be signed for reading', { cause: err });
  }
}
/** S3's limit for a presigned URL: seven days. */
const MAX_PRESIGN_SEC = 7 * 24 * 3600;

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
