// Chunked transcoding (issue #20): (a) the single-task ladder against (b) the chunked path — N chunks, the aux part
// (audio once, poster, storyboard) and the stream-copy stitch — with the commands of @reelforge/media that the
// transcoder runs (buildFfmpegArgs; buildChunkArgs, buildAuxArgs, buildStitchArgs). Source: a generated 720p30 clip
// of 20 minutes with motion and audio (testsrc2 + sine, H.264/AAC) — long enough that a task start-up does not
// dwarf the chunks, as for the sources chunking is for — cut into 16 chunks of 75 s (one per worker of the 16-worker
// projection). Prints a Markdown block for BENCHMARKS.md, section "Chunked transcoding"; the raw timings go to
// bench/out/chunked/result.json. In one run (about an hour on two quiet cores):
//   1. (a) on one core, then (b) with every part on that one core, one after the other: total CPU b/a (target
//      ≤ 1.10), each chunk's wall, and the projected time-to-ready with 1, 4, 16 and 64 workers against (a)'s wall
//      on one core (target with 16 ≤ 0.15);
//   2. (a) on both cores, then (b) with two workers, one pinned to each core: wall b/a (target ≤ 1.10);
//   3. equivalence of (b) and (a) from step 1: frames, duration, timestamps at the seams, audio, SSIM to the source.
//
//   pnpm turbo run build --filter @reelforge/media
//   pnpm --filter @reelforge/bench bench:chunked          # or: node bench/chunked.bench.ts --seconds 240 --chunk-sec 15
//
// Not part of the test suite. Nothing runs but ffmpeg (under GNU time and taskset).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  buildAuxArgs,
  buildChunkArgs,
  buildConcatList,
  buildFfmpegArgs,
  buildStitchArgs,
  type ChunkRange,
  chunkDir,
  chunkFiles,
  concatListFile,
  defaultProfile,
  type LadderPlan,
  type MediaLogger,
  planChunks,
  planLadder,
  probeInput,
  renditionPaths,
  runFfmpeg,
} from '@reelforge/media';

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    seconds: { type: 'string', default: '1200' },
    height: { type: 'string', default: '720' },
    'chunk-sec': { type: 'string', default: '75' },
    /** What a Fargate task takes from RunTask to running code (image pull, ENI): stated, not measured. */
    'startup-sec': { type: 'string', default: '40' },
  },
});
const SECONDS = Number(args.seconds);
const HEIGHT = Number(args.height);
const WIDTH = Math.round((HEIGHT * 16) / 9 / 2) * 2;
const FPS = 30;
const CHUNK_SEC = Number(args['chunk-sec']);
const STARTUP_SEC = Number(args['startup-sec']);
const GNU_TIME = '/usr/bin/time';

const outRoot = new URL('./out/chunked/', import.meta.url).pathname;
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const logger: MediaLogger = {
  debug() {},
  info() {},
  warn() {},
  error: (o, m) => log(`${m ?? ''} ${JSON.stringify(o)}`),
};
const run = promisify(execFile);
const fmt = (x: number, digits = 2) => x.toFixed(digits);

interface Timing {
  wallSec: number;
  cpuSec: number;
}

async function sourceClip(): Promise<string> {
  const path = join(outRoot, `source-${WIDTH}x${HEIGHT}p${FPS}-${SECONDS}s.mp4`);
  if (existsSync(path)) return path;
  await mkdir(outRoot, { recursive: true });
  log(`generating ${path}…`);
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}:duration=${SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`],
    ...['-c:v', 'libx264', '-preset', 'fast', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', '128k', '-shortest', '-movflags', '+faststart'],
    path,
  ]);
  return path;
}

/** One ffmpeg run in `cwd`, on `cores` (taskset) or anywhere: wall and user + system CPU (GNU time). */
async function timed(cwd: string, ffmpegArgs: string[], cores: string | null, durationSec: number): Promise<Timing> {
  const timeFile = join(cwd, `time-${process.hrtime.bigint()}.txt`);
  const pin = cores === null ? [] : ['taskset', '-c', cores];
  const started = performance.now();
  await runFfmpeg(['-f', '%U %S', '-o', timeFile, ...pin, 'ffmpeg', ...ffmpegArgs], {
    cwd,
    durationSec,
    timeoutMs: 3 * 3600_000,
    logger,
    ffmpegPath: GNU_TIME,
  });
  const wallSec = (performance.now() - started) / 1000;
  const [user = 0, sys = 0] = (await readFile(timeFile, 'utf8')).trim().split(/\s+/).map(Number);
  await rm(timeFile);
  return { wallSec, cpuSec: user + sys };
}

async function fresh(name: string, plan: LadderPlan): Promise<string> {
  const dir = join(outRoot, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const r of plan.renditions) await mkdir(join(dir, renditionPaths(r).dir));
  return dir;
}

async function single(name: string, plan: LadderPlan, input: string, cores: string): Promise<Timing & { dir: string }> {
  const dir = await fresh(name, plan);
  const t = await timed(dir, buildFfmpegArgs(plan, { input, threads: 0 }), cores, plan.durationSec);
  log(`${name}: ${fmt(t.wallSec)} s wall, ${fmt(t.cpuSec)} CPU s`);
  return { ...t, dir };
}

interface ChunkedRun {
  dir: string;
  planSec: number;
  chunks: Timing[];
  aux: Timing;
  stitch: Timing;
  wallSec: number;
}

/**
 * (b): the parts as separate ffmpeg runs, `workers` at a time, worker k pinned to `cores[k]`; then the stitch on
 * `cores[0]` (it is a copy). `planSec` is the probe and the two plans, as the planning task does them.
 */
async function chunked(name: string, input: string, cores: string[]): Promise<ChunkedRun> {
  const started = performance.now();
  const planStart = performance.now();
  const plan = planLadder(await probeInput(input), defaultProfile);
  const chunks = planChunks(plan, { thresholdSec: 0, chunkSec: CHUNK_SEC, maxChunks: 1000 }) as ChunkRange[];
  const planSec = (performance.now() - planStart) / 1000;
  const dir = await fresh(name, plan);
  for (const c of chunks) await mkdir(join(dir, chunkDir(c.index)), { recursive: true });
  await mkdir(join(dir, chunkFiles.auxDir), { recursive: true });

  const results: Timing[] = new Array(chunks.length);
  let aux: Timing = { wallSec: 0, cpuSec: 0 };
  // The aux part first: it is the longest single run (a decode of the whole source).
  const queue: (() => (core: string) => Promise<void>)[] = [
    () => async (core) => {
      aux = await timed(dir, buildAuxArgs(plan, { input }), core, plan.durationSec);
    },
    ...chunks.map((c, i) => () => async (core: string) => {
      const last = i === chunks.length - 1;
      results[i] = await timed(
        dir,
        buildChunkArgs(plan, c, { input, threads: 0, last }),
        core,
        (last ? plan.durationSec : c.endSec) - c.startSec,
      );
    }),
  ];
  await Promise.all(
    cores.map(async (core) => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) await job()(core);
    }),
  );
  for (const r of plan.renditions) await writeFile(join(dir, concatListFile(r)), buildConcatList(r, chunks.length));
  const stitch = await timed(dir, buildStitchArgs(plan, chunks.length), cores[0] ?? null, plan.durationSec);
  const wallSec = (performance.now() - started) / 1000;
  log(
    `${name}: ${chunks.length} chunks, ${fmt(wallSec)} s wall; CPU s chunks ${fmt(sum(results.map((t) => t.cpuSec)))}` +
      `, aux ${fmt(aux.cpuSec)}, stitch ${fmt(stitch.cpuSec)}`,
  );
  return { dir, planSec, chunks: results, aux, stitch, wallSec };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Longest-first onto the least loaded of `workers`: when the last chunk is done. */
function makespan(walls: number[], workers: number): number {
  const load = new Array<number>(Math.min(workers, walls.length)).fill(0);
  for (const w of [...walls].sort((a, b) => b - a)) {
    const i = load.indexOf(Math.min(...load));
    load[i] = (load[i] ?? 0) + w;
  }
  return Math.max(...load);
}

// Equivalence, measured on the files.
async function streamInfo(path: string, type: 'v' | 'a') {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', `${type}:0`, '-count_packets'],
    ...['-show_entries', 'stream=nb_read_packets,duration', '-of', 'json', path],
  ]);
  const s = (JSON.parse(stdout) as { streams: { nb_read_packets: string; duration: string }[] }).streams[0];
  return { packets: Number(s?.nb_read_packets), durationSec: Number(s?.duration) };
}

async function ptsFaults(path: string): Promise<{ duplicated: number; missing: number }> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts', '-of', 'csv=p=0', path],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const pts = stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
  const step = Math.min(
    ...pts
      .slice(1)
      .map((p, i) => p - (pts[i] ?? 0))
      .filter((d) => d > 0),
  );
  let duplicated = 0;
  let missing = 0;
  for (let i = 1; i < pts.length; i++) {
    const d = (pts[i] ?? 0) - (pts[i - 1] ?? 0);
    if (d === 0) duplicated++;
    else if (d > step) missing += Math.round(d / step) - 1;
  }
  return { duplicated, missing };
}

async function ssim(rendition: string, source: string): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    ...['-hide_banner', '-nostats', '-i', rendition, '-i', source],
    ...['-lavfi', `[0:v]scale=${WIDTH}:${HEIGHT}:flags=bicubic,setsar=1[r];[1:v]setsar=1[s];[r][s]ssim`],
    ...['-f', 'null', '-'],
  ]);
  return Number(/SSIM .* All:([\d.]+)/.exec(stderr)?.[1]);
}

async function main() {
  const input = await sourceClip();
  const plan = planLadder(await probeInput(input), defaultProfile);
  log(`source ${WIDTH}x${HEIGHT} ${plan.durationSec} s; rungs ${plan.renditions.map((r) => r.name).join(' ')}`);
  const loadBefore = loadavg();
  const started = new Date();

  const a1 = await single('a-one-core', plan, input, '0');
  const b1 = await chunked('b-one-core', input, ['0']);
  const a2 = await single('a-two-cores', plan, input, '0,1');
  const b2 = await chunked('b-two-workers', input, ['0', '1']);
  const loadAfter = loadavg();
  const finished = new Date();

  const bCpu = sum(b1.chunks.map((t) => t.cpuSec)) + b1.aux.cpuSec + b1.stitch.cpuSec;
  const cpuRatio = bCpu / a1.cpuSec;
  const walls = b1.chunks.map((t) => t.wallSec);
  // The issue's projection: one stated start-up + plan + the chunks on W workers (the aux part beside them on its
  // own worker) + stitch. This pipeline's chain pays three start-ups in a row: the planning task (which then runs
  // the aux part while the chunk tasks start), the chunk tasks, the stitch task.
  const ttr = (workers: number, startup: number) =>
    startup + b1.planSec + Math.max(b1.aux.wallSec, makespan(walls, workers)) + b1.stitch.wallSec;
  const chain = (workers: number, startup: number) =>
    startup + b1.planSec + Math.max(b1.aux.wallSec, startup + makespan(walls, workers)) + startup + b1.stitch.wallSec;
  const wallRatio2 = b2.wallSec / a2.wallSec;
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

  await writeFile(
    join(outRoot, 'result.json'),
    `${JSON.stringify({ started, finished, loadBefore, loadAfter, seconds: SECONDS, chunkSec: CHUNK_SEC, a1, b1, a2, b2 }, null, 2)}\n`,
  );
  // Equivalence is measured after the timed runs, two files at a time (nothing is timed any more).
  const rows: string[] = [];
  for (const r of plan.renditions) {
    const a = join(a1.dir, renditionPaths(r).mp4);
    const b = join(b1.dir, renditionPaths(r).mp4);
    const [va, vb, aa, ab] = [
      await streamInfo(a, 'v'),
      await streamInfo(b, 'v'),
      await streamInfo(a, 'a'),
      await streamInfo(b, 'a'),
    ];
    const faults = await ptsFaults(b);
    const [sa, sb] = await Promise.all([ssim(a, input), ssim(b, input)]);
    rows.push(
      `| ${r.name} | ${va.packets} / ${vb.packets} | ${fmt(Math.abs(vb.durationSec - va.durationSec) * 1000, 1)} | ` +
        `${faults.duplicated} / ${faults.missing} | ${fmt(Math.abs(ab.durationSec - aa.durationSec) * 1000, 1)} | ` +
        `${fmt(sa, 5)} / ${fmt(sb, 5)} (Δ ${fmt(Math.abs(sb - sa), 5)}) |`,
    );
  }

  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const ffmpegVersion = execFileSync('ffmpeg', ['-hide_banner', '-version']).toString().split('\n')[0] ?? '';
  const md = [
    `Run ${started.toISOString().slice(0, 16)}–${finished.toISOString().slice(11, 16)} UTC on ${availableParallelism()} cores, CPU "${cpuModel}",`,
    `${ffmpegVersion.replace(/ Copyright.*/, '')}. Source ${WIDTH}x${HEIGHT} ${FPS} fps, ${plan.durationSec} s (testsrc2 + sine);`,
    `rungs ${plan.renditions.map((r) => `${r.width}x${r.height}`).join(', ')}; ${b1.chunks.length} chunks of ${CHUNK_SEC} s`,
    `(on 2 s segments). Load average before / after: ${loadBefore.map((l) => fmt(l)).join(' ')} / ${loadAfter.map((l) => fmt(l)).join(' ')}.`,
    '',
    '| run | wall s | CPU s (user + sys) |',
    '|---|---|---|',
    `| (a) single task, one core | ${fmt(a1.wallSec)} | ${fmt(a1.cpuSec)} |`,
    `| (b) chunked, every part on one core: ${b1.chunks.length} chunks | ${fmt(sum(walls))} | ${fmt(sum(b1.chunks.map((t) => t.cpuSec)))} |`,
    `| (b) aux part (audio, poster, storyboard) | ${fmt(b1.aux.wallSec)} | ${fmt(b1.aux.cpuSec)} |`,
    `| (b) stitch (stream copy) | ${fmt(b1.stitch.wallSec)} | ${fmt(b1.stitch.cpuSec)} |`,
    `| (b) plan (probe, in process) | ${fmt(b1.planSec)} | – |`,
    `| (a) single task, two cores | ${fmt(a2.wallSec)} | ${fmt(a2.cpuSec)} |`,
    `| (b) chunked, two workers (one per core), plan to stitch | ${fmt(b2.wallSec)} | ${fmt(sum(b2.chunks.map((t) => t.cpuSec)) + b2.aux.cpuSec + b2.stitch.cpuSec)} |`,
    '',
    `Chunk walls on one core (s): ${walls.map((w) => fmt(w, 1)).join(', ')}.`,
    '',
    `- CPU (b)/(a): **${fmt(cpuRatio)}** (target ≤ 1.10: ${verdict(cpuRatio <= 1.1)})`,
    `- Two cores, wall (b)/(a): **${fmt(wallRatio2)}** (target ≤ 1.10: ${verdict(wallRatio2 <= 1.1)})`,
    `- Projected time-to-ready, chunks longest-first onto the least loaded of W workers, task start-up ${STARTUP_SEC} s`,
    `  (stated), against (a) on one core, ${fmt(a1.wallSec)} s: the issue's formula, start-up + plan + max(aux, chunks)`,
    `  + stitch; and this pipeline's chain, start-up + plan + max(aux, start-up + chunks) + start-up + stitch:`,
    '',
    "| workers | issue's formula s | / (a) wall | pipeline chain s | / (a) wall | / (a) wall + its start-up | without start-ups s |",
    '|---|---|---|---|---|---|---|',
    ...[1, 4, 16, 64].map(
      (w) =>
        `| ${w} | ${fmt(ttr(w, STARTUP_SEC), 1)} | ${fmt(ttr(w, STARTUP_SEC) / a1.wallSec)} | ` +
        `${fmt(chain(w, STARTUP_SEC), 1)} | ${fmt(chain(w, STARTUP_SEC) / a1.wallSec)} | ` +
        `${fmt(chain(w, STARTUP_SEC) / (a1.wallSec + STARTUP_SEC))} | ${fmt(ttr(w, 0), 1)} |`,
    ),
    '',
    `Target with 16 workers ≤ 0.15 × (a): ${verdict(ttr(16, STARTUP_SEC) / a1.wallSec <= 0.15)} by the issue's formula, ` +
      `${verdict(chain(16, STARTUP_SEC) / a1.wallSec <= 0.15)} by this pipeline's chain.`,
    '',
    'Equivalence, (a) one core against (b) one core:',
    '',
    '| rung | video frames (a) / (b) | video duration Δ ms | PTS duplicated / missing in (b) | audio duration Δ ms | SSIM to source (a) / (b) |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  process.stdout.write(`${md}\n`);
}

await main();
