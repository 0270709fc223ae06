// Upload API throughput and memory: a 1 GiB file sent through `POST /v1/videos` (the API running as a child
// process on loopback against the local stack) against the same file sent by one lib-storage Upload straight to the
// same S3 endpoint, in the same run. Targets: API throughput ≥ 0.8 × direct; API peak RSS growth ≤ 100 MB.
//
//   ./reelforge up                                    # the local stack
//   pnpm turbo run build --filter @reelforge/bench...
//   node bench/upload.bench.ts [--bytes N] [--rounds N]
//
// Rounds alternate which side goes first. Throughput is total bytes over total time per side. RSS growth is the
// API process's peak (sampled from /proc every 20 ms) over its RSS before its first upload, so it is measured cold
// and counts everything uploading made the process allocate or keep. It makes its own database, buckets and topics (as the tests do) and removes its objects afterwards. The file is
// sparse: a real ISO-BMFF `ftyp` box (so sniffing passes) followed by a hole, so it costs no disk and no time to make.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Upload } from '@aws-sdk/lib-storage';
import { createDb, migrateToLatest } from '@reelforge/db';
import { createS3Client, deletePrefix } from '@reelforge/storage';
import { createTestBuckets, createTestDatabase, createTestTopics, freePort, stackEnv } from '@reelforge/testkit';

const root = new URL('..', import.meta.url);
const localEnv = new URL('.reelforge/local.env', root);
if (existsSync(localEnv)) process.loadEnvFile(localEnv);

const { values: args } = parseArgs({
  options: { bytes: { type: 'string', default: String(1024 ** 3) }, rounds: { type: 'string', default: '2' } },
});
const BYTES = Number(args.bytes);
const ROUNDS = Number(args.rounds);
const MB = 1e6;

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** A sparse file of `bytes` that starts with a valid mp4 `ftyp` box. */
async function makeFile(dir: string, name: string, bytes: number): Promise<string> {
  const path = join(dir, name);
  const ftyp = Buffer.alloc(32);
  ftyp.writeUInt32BE(32, 0);
  ftyp.write('ftypisom\0\0\x02\0isomiso2avc1mp41', 4, 'latin1');
  const fh = await open(path, 'w');
  await fh.write(ftyp, 0, ftyp.length, 0);
  await fh.truncate(bytes);
  await fh.close();
  return path;
}

/** Resident set size of a process in bytes, from /proc (Linux). */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples a process's RSS every 20 ms until stopped; returns the peak. */
function sampleRss(pid: number): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await rss(pid));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

async function postJson(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

/** Streams the file as multipart/form-data through the API; resolves with the elapsed seconds. */
function uploadThroughApi(port: number, token: string, path: string, bytes: number): Promise<number> {
  const boundary = `bench-${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nbench\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.mp4"\r\n` +
      'Content-Type: video/mp4\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/videos',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + bytes + tail.length,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 202) reject(new Error(`upload: ${res.statusCode} ${body}`));
          else resolve(Number(process.hrtime.bigint() - started) / 1e9);
        });
      },
    );
    req.on('error', reject);
    Readable.from(
      (async function* () {
        yield head;
        yield* createReadStream(path, { highWaterMark: 1024 * 1024 });
        yield tail;
      })(),
    ).pipe(req);
  });
}

/** The same file with one lib-storage Upload, configured as @reelforge/storage's putStream (8 MiB parts, 4 at once). */
async function uploadDirect(s3: ReturnType<typeof createS3Client>, bucket: string, key: string, path: string) {
  const started = process.hrtime.bigint();
  await new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: createReadStream(path, { highWaterMark: 1024 * 1024 }) },
    partSize: 8 * 1024 * 1024,
    queueSize: 4,
    leavePartsOnError: false,
  }).done();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main() {
  const env = await stackEnv();
  const [database, buckets, topics] = await Promise.all([
    createTestDatabase(),
    createTestBuckets('raw', 'processed'),
    createTestTopics(['video.uploaded']),
  ]);
  const db = createDb({ url: database.url, poolSize: 2 });
  await migrateToLatest(db);
  await db.destroy();
  const s3 = createS3Client({ region: env.AWS_REGION, endpoint: env.S3_ENDPOINT });
  const dir = await mkdtemp(join(tmpdir(), 'rf-bench-'));
  const file = await makeFile(dir, 'bench.mp4', BYTES);
  const warm = await makeFile(dir, 'warm.mp4', 64 * 1024 * 1024);
  const port = await freePort();

  const api = spawn(process.execPath, [new URL('services/upload-api/dist/main.js', root).pathname], {
    env: {
      ...process.env,
      MYSQL_URL: database.url,
      RAW_BUCKET: buckets.raw,
      PROCESSED_BUCKET: buckets.processed,
      KAFKA_TOPIC_PREFIX: topics.prefix,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PLAYBACK_SESSION_SECRETS: randomBytes(32).toString('hex'),
      PORT: String(port),
      HOST: '127.0.0.1',
      MAX_UPLOAD_BYTES: String(BYTES * 2),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (i > 100) throw new Error('the API did not become ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    await postJson(base, '/v1/auth/register', { email: 'bench@example.com', password: 'benchmark password' });
    const { token } = (await postJson(base, '/v1/auth/login', {
      email: 'bench@example.com',
      password: 'benchmark password',
    })) as { token: string };

    // The API is measured cold: its RSS before its first upload is the baseline, so the growth includes everything
    // uploading made it allocate or keep (buffers, S3 connections, compiled code), in every round. Only the direct
    // path is warmed (in this process), so its first round does not pay for loading the SDK.
    const baseline = await rss(api.pid as number);
    await uploadDirect(s3, buckets.raw, 'bench/warm', warm);

    const runs: { api: number; direct: number; rssGrowth: number; clientGrowth: number }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const viaApi = async () => {
        const before = await rss(api.pid as number);
        const sampler = sampleRss(api.pid as number);
        const cpuBefore = await cpuSeconds(api.pid as number);
        const sec = await uploadThroughApi(port, token, file, BYTES);
        const cpu = (await cpuSeconds(api.pid as number)) - cpuBefore;
        return { sec, cpu, before, peak: await sampler.stop() };
      };
      const direct = async () => {
        const before = process.memoryUsage.rss();
        const sampler = sampleRss(process.pid);
        const cpuBefore = process.cpuUsage();
        const sec = await uploadDirect(s3, buckets.raw, `bench/direct-${round}`, file);
        const { user, system } = process.cpuUsage(cpuBefore);
        return { sec, cpu: (user + system) / 1e6, growth: (await sampler.stop()) - before };
      };
      // Alternate which goes first, so a change in the machine's load during the run does not favour one side.
      let a: Awaited<ReturnType<typeof viaApi>>;
      let d: Awaited<ReturnType<typeof direct>>;
      if (round % 2 === 1) {
        a = await viaApi();
        d = await direct();
      } else {
        d = await direct();
        a = await viaApi();
      }
      runs.push({ api: a.sec, direct: d.sec, rssGrowth: a.peak - baseline, clientGrowth: d.growth });
      log(
        `round ${round}: api ${(BYTES / MB / a.sec).toFixed(1)} MB/s (API process ${a.cpu.toFixed(1)} CPU s), ` +
          `direct ${(BYTES / MB / d.sec).toFixed(1)} MB/s (client ${d.cpu.toFixed(1)} CPU s, ` +
          `peak RSS +${(d.growth / MB).toFixed(1)} MB), ` +
          `API peak RSS ${(a.peak / MB).toFixed(1)} MB: +${((a.peak - baseline) / MB).toFixed(1)} MB over its RSS ` +
          `before the first upload (${(baseline / MB).toFixed(1)} MB), +${((a.peak - a.before) / MB).toFixed(1)} MB ` +
          "over this round's start",
      );
    }

    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const apiMBs = (BYTES * ROUNDS) / MB / sum(runs.map((r) => r.api));
    const directMBs = (BYTES * ROUNDS) / MB / sum(runs.map((r) => r.direct));
    const growth = Math.max(...runs.map((r) => r.rssGrowth)) / MB;
    const result = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}`,
      s3: env.S3_ENDPOINT,
      // Other work on the machine competes with moto, the API and the client for the same cores.
      loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
      bytes: BYTES,
      rounds: ROUNDS,
      apiMBs: Number(apiMBs.toFixed(1)),
      directMBs: Number(directMBs.toFixed(1)),
      ratio: Number((apiMBs / directMBs).toFixed(3)),
      apiRssBeforeFirstUploadMB: Number((baseline / MB).toFixed(1)),
      peakRssGrowthMB: Number(growth.toFixed(1)),
      // For scale: what one lib-storage Upload (8 MiB parts, 4 in flight) alone grows the client process by.
      directClientPeakRssGrowthMB: Number((Math.max(...runs.map((r) => r.clientGrowth)) / MB).toFixed(1)),
      pass: { ratio: apiMBs / directMBs >= 0.8, rss: growth <= 100 },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    await deletePrefix(s3, buckets.raw, '');
    await rm(dir, { recursive: true, force: true });
    await database.drop();
  }
}

await main();
