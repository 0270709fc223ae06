#!/usr/bin/env node
// CLI mode: `cli.js <input-file> <output-dir>` transcodes a local file into a folder, with manifest.json (the
// video.transcoded payload, keys relative to the folder). A refusal exits 2 with one JSON object on stderr and
// leaves no outputs; other failures exit 1 the same way. `./reelforge transcode` calls exactly this.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { loadEnv } from '@reelforge/config';
import { AppError } from '@reelforge/contracts';
import { defaultProfile } from '@reelforge/media';
import { pino } from 'pino';
import { CliEnv, limitsFromEnv } from './env.js';
import { transcodeFile } from './transcode.service.js';

const USAGE = 'usage: reelforge-transcode <input-file> <output-dir>';

async function main(args: string[]): Promise<number> {
  if (args.length !== 2 || args.some((a) => a === '-h' || a === '--help')) {
    return fail(new AppError('BAD_REQUEST', USAGE), 64);
  }
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
    const { manifest } = await transcodeFile(input, staging, {
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
