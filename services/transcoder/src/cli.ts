#!/usr/bin/env node
// CLI mode: `cli.js <input-file> <output-dir> [--chunks N]` transcodes a local file into a folder, with manifest.json
// (the video.transcoded payload, keys relative to the folder). `--chunks N` takes the chunked path (N chunks encoded
// in parallel, the audio once, then the stitch) and writes the same layout. A refusal exits 2 with one JSON object
// on stderr and leaves no outputs; other failures exit 1 the same way. `./reelforge transcode` calls exactly this.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEnv } from '@reelforge/config';
import { AppError } from '@reelforge/contracts';
import { defaultProfile } from '@reelforge/media';
import { pino } from 'pino';
import { transcodeChunkedFile } from './chunked.service.js';
import { CliEnv, limitsFromEnv } from './env.js';
import { transcodeFile } from './transcode.service.js';

const USAGE = 'usage: reelforge-transcode <input-file> <output-dir> [--chunks N]';

async function main(argv: string[]): Promise<number> {
  let parsed: { args: string[]; chunks: number | null };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { chunks: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    const chunks = values.chunks === undefined ? null : Number(values.chunks);
    if (values.help || positionals.length !== 2 || (chunks !== null && !(Number.isInteger(chunks) && chunks >= 2))) {
      return fail(new AppError('BAD_REQUEST', USAGE), 64);
    }
    parsed = { args: positionals, chunks };
  } catch {
    return fail(new AppError('BAD_REQUEST', USAGE), 64);
  }
  const args = parsed.args;
  const env = loadEnv(CliEnv);
  const logger = pino({ name: 'transcoder-cli', level: env.LOG_LEVEL }, pino.destination(2));
  const [input, outDir] = args.map((a) => resolve(a)) as [string, string];

  const inputStat = await stat(input).catch(() => null);
  if (!inputStat?.isFile()) return fail(new AppError('NOT_FOUND', `no such file: ${args[0]}`), 2);

  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => controller.abort(new AppError('INTERRUPTED', `stopped by ${signal}`)));
  }
  // Built beside the destination and moved in only when complete, so a failure leaves nothing in it.
  const staging = join(dirname(outDir), `.${basename(outDir)}.partial-${randomBytes(4).toString('hex')}`);
  const showProgress = process.stderr.isTTY;
  try {
    const transcode = parsed.chunks
      ? (i: string, o: string, opts: Parameters<typeof transcodeFile>[2]) =>
          transcodeChunkedFile(i, o, { ...opts, chunks: parsed.chunks as number })
      : transcodeFile;
    const { manifest } = await transcode(input, staging, {
      videoId: randomUUID(),
      attempt: 1,
      profile: defaultProfile,
      limits: limitsFromEnv(env),
      maxOutputSide: env.MAX_OUTPUT_SIDE,
      threads: env.FFMPEG_THREADS,
      timeoutMs: env.TRANSCODE_TIMEOUT_SEC * 1000,
      logger,
      signal: controller.signal,
      ...(showProgress ? { onProgress: (p: number) => process.stderr.write(`\rtranscoding ${p.toFixed(0)}%`) } : {}),
    });
    if (showProgress) process.stderr.write('\n');
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await moveInto(staging, outDir);
    process.stdout.write(`${JSON.stringify(manifest)}\n`);
    return 0;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (showProgress) process.stderr.write('\n');
    logger.error({ err }, 'transcode failed');
    const error =
      err instanceof AppError ? err : new AppError('INTERNAL', err instanceof Error ? err.message : String(err));
    return fail(error, error.retryable ? 1 : 2);
  }
}

function fail(error: AppError, exitCode: number): number {
  process.stderr.write(`${JSON.stringify({ code: error.code, message: error.message })}\n`);
  return exitCode;
}

/** A new folder is renamed into place whole; into an existing one, each output replaces its namesake. */
async function moveInto(staging: string, outDir: string): Promise<void> {
  if (!(await stat(outDir).catch(() => null))) return rename(staging, outDir);
  for (const entry of await readdir(staging)) {
    await rm(join(outDir, entry), { recursive: true, force: true });
    await rename(join(staging, entry), join(outDir, entry));
  }
  await rmdir(staging);
}

process.exitCode = await main(process.argv.slice(2));
