// Engagement events, end to end on loopback: a load generator posts batches of realistic ~350-byte events to the
// ingest service (a child process, as `./reelforge up` runs it) for a fixed time; then the lake writer (another child
// process) drains the backlog from Kafka into Parquet. Reports accepted events/s, request latency, what reached Kafka
// and the lake (events lost must be 0), bytes per event in Parquet vs JSON, and the lake writer's drain rate.
// Target on the 2-core machine, load generator included: ≥ 100,000 events/s accepted.
//
//   ./reelforge up                                    # the local stack
//   pnpm turbo run build --filter @reelforge/bench...
//   node bench/events.bench.ts [--seconds 60] [--batch 1000] [--concurrency 8] [--partitions 6] [--workers N] [--no-lake]
//
// --no-lake stops after phase 1 (ingest under load, what reached Kafka, CPU per event): for quick tuning runs.
//
// It makes its own topic (prefix), database and bucket, and removes them afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { createS3Client, deletePrefix, downloadToFile, listKeys, signPlaybackSession } from '@reelforge/storage';
import {
  createTestBuckets,
  createTestDatabase,
  createTestTopics,
  freePort,
  stackEnv,
  uniqueName,
} from '@reelforge/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';

const root = new URL('..', import.meta.url);
const localEnv = new URL('.reelforge/local.env', root);
if (existsSync(localEnv)) process.loadEnvFile(localEnv);

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    partitions: { type: 'string', default: '6' },
    // The ingest's processes (its WORKERS): one per core, as a replica on this machine would run.
    workers: { type: 'string', default: String(availableParallelism()) },
    lake: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const SECONDS = Number(args.seconds);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const PARTITIONS = Number(args.partitions);
const WORKERS = Number(args.workers);
const TOPIC = 'engagement.events';
const USER_AGENT = 'ReelforgePlayer/5.4.1 (Linux; Android 14) ExoPlayer/2.19';

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startService(name: string, env: Record<string, string>, logDir: string): ChildProcess {
  const main = new URL(`services/${name}/dist/main.js`, root).pathname;
  // BENCH_CHILD_NODE_OPTIONS reaches only the services, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them.
  const nodeOptions = process.env.BENCH_CHILD_NODE_OPTIONS;
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(join(logDir, `${name}.log`));
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(30_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

// --- The load: what players send. ---------------------------------------------------------------------------------
// Each event is one of 50,000 pre-built bodies (a device with its session, video, position, client and a recent
// timestamp) behind a unique event_id, so the generator spends its CPU on sending, not on building strings.
const EVENT_TYPES = ['play', 'pause', 'resume', 'seek', 'play', 'stop', 'view_complete', 'like'];
const APPS = [
  ['android', '5.4.1'],
  ['ios', '5.4.0'],
  ['web', '2025.3.1'],
  ['tvos', '3.2.0'],
];
const VIDEOS = Array.from({ length: 2000 }, () => crypto.randomUUID());
const run = uniqueName('b');
const TEMPLATES = Array.from({ length: 50_000 }, (_, device) => {
  const [app, version] = APPS[device % APPS.length] as [string, string];
  const timestamp = new Date(Date.now() - (device % 60_000)).toISOString();
  return `","event_type":"${EVENT_TYPES[device % EVENT_TYPES.length]}","timestamp":"${timestamp}","device_id":"device-${device.toString(36).padStart(6, '0')}","position_sec":${((device * 13) % 3600) + 0.25},"client":{"app":"${app}","version":"${version}","os_version":"14","network":"wifi"}}`;
});

const TEMPLATE_BYTES = TEMPLATES.map((t) => Buffer.from(t));

/** The ingest verifies session tokens signed with this, as upload-api would sign them. */
const SESSION_SECRET = randomBytes(32).toString('hex');

/**
 * Each batch is one playback session, as a player sends it: a fresh token (the ingest takes one per request) and the
 * ids it vouches for, which every event of the batch repeats. Returns the token and the bytes that name them.
 */
function playbackSession(worker: number, seq: number) {
  const n = worker * 1_000_003 + seq;
  const videoId = VIDEOS[(n * 31) % VIDEOS.length] as string;
  const sessionId = `sess-${run}-${worker}-${seq}`;
  const userId = `user-${n % 20_000}`;
  const token = signPlaybackSession(SESSION_SECRET, {
    videoId,
    sessionId,
    userId,
    viewerId: userId,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });
  return { token, ids: Buffer.from(`","user_id":"${userId}","session_id":"${sessionId}","content_id":"${videoId}`) };
}
/** Per worker: the start of each event up to the number that makes its event_id unique. */
const heads = (worker: number) => Buffer.from(`{"schema_version":1,"event_id":"${run}-${worker}-`);

/** Writes n in decimal at `at`; returns how many bytes it took. */
function writeDecimal(buf: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let k = digits - 1, x = n; k >= 0; k--, x = Math.floor(x / 10)) buf[at + k] = 0x30 + (x % 10);
  return digits;
}

/**
 * Writes one batch as a JSON array into the worker's own buffer (the generator shares the two cores, so it copies
 * bytes rather than building strings, and reuses one buffer per worker: a worker writes its next batch only after
 * the reply to the last, when the socket has long taken every byte). Returns the body and the byte length of its
 * events' own JSON.
 */
function makeBatch(body: Buffer, head: Buffer, ids: Buffer, worker: number, seq: number, size: number) {
  let at = 0;
  body[at++] = 0x5b; // [
  for (let i = 0; i < size; i++) {
    if (i > 0) body[at++] = 0x2c; // ,
    const n = seq * size + i;
    body.set(head, at);
    at += head.length;
    at += writeDecimal(body, at, n);
    body.set(ids, at);
    at += ids.length;
    const template = TEMPLATE_BYTES[(n * 7 + worker * 6151) % TEMPLATE_BYTES.length] as Buffer;
    body.set(template, at);
    at += template.length;
  }
  body[at++] = 0x5d; // ]
  return { body: body.subarray(0, at), eventBytes: at - 2 - (size - 1) };
}

interface LoadResult {
  accepted: number;
  rejected: number;
  failedRequests: number;
  requests: number;
  latenciesMs: number[];
  bodyBytes: number;
  eventBytes: number;
  elapsedSec: number;
}

async function generateLoad(port: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const result: LoadResult = {
    accepted: 0,
    rejected: 0,
    failedRequests: 0,
    requests: 0,
    latenciesMs: [],
    bodyBytes: 0,
    eventBytes: 0,
    elapsedSec: 0,
  };
  const started = performance.now();
  const deadline = started + seconds * 1000;

  const post = (body: Buffer, token: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/events',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'user-agent': USER_AGENT,
            authorization: `Bearer ${token}`,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const worker = async (w: number) => {
    const buffer = Buffer.allocUnsafe(BATCH * 512 + 2);
    const head = heads(w);
    for (let seq = 0; performance.now() < deadline; seq++) {
      const session = playbackSession(w, seq);
      const { body, eventBytes } = makeBatch(buffer, head, session.ids, w, seq, BATCH);
      const t0 = performance.now();
      try {
        const res = await post(body, session.token);
        result.latenciesMs.push(performance.now() - t0);
        result.requests++;
        if (res.status === 202 || res.status === 207) {
          const parsed = JSON.parse(res.text) as { accepted: number; rejected: unknown[] };
          result.accepted += parsed.accepted;
          result.rejected += parsed.rejected.length;
          result.bodyBytes += body.length;
          result.eventBytes += eventBytes;
        } else {
          result.failedRequests++;
          if (result.failedRequests <= 3) log(`request refused: ${res.status} ${res.text.slice(0, 200)}`);
        }
      } catch (err) {
        result.failedRequests++;
        if (result.failedRequests <= 3) log(`request failed: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  result.elapsedSec = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

async function scrape(url: string, metric: string): Promise<number> {
  try {
    const text = await (await fetch(url)).text();
    const line = text.split('\n').find((l) => l.startsWith(metric));
    return line ? Number(line.split(' ').at(-1)) : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) the local Kafka broker has used, from /proc; null where it cannot be found. */
function brokerCpuSec(): number | null {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      } catch {
        continue;
      }
      if (!cmdline.includes('kafka.Kafka')) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.split(' ') ?? [];
      // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
      return (Number(fields[11]) + Number(fields[12])) / 100;
    }
  } catch {}
  return null;
}

const cpuSec = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/**
 * How fast this machine is right now, for reading the other numbers: µs to JSON.parse + JSON.stringify one event.
 * A quiet modern x86 core takes about 2 µs; on a shared machine it says how much of a core the run really had.
 */
function calibrate(): number {
  const text = `{"schema_version":1,"event_id":"calibration${TEMPLATES[0]}`;
  const rounds = 50_000;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) JSON.stringify(JSON.parse(text));
  return Number((((performance.now() - t0) / rounds) * 1000).toFixed(2));
}

interface LakeRun {
  common: Record<string, string>;
  env: Awaited<ReturnType<typeof stackEnv>>;
  dbUrl: string;
  bucket: string;
  s3: ReturnType<typeof createS3Client>;
  admin: Admin;
  topic: string;
  offsets: { partition: number; high: string }[];
  logDir: string;
  children: ChildProcess[];
}

/** Phase 2: the lake writer drains the backlog; then every object is read back with DuckDB. */
async function drainLake(run: LakeRun) {
  const { common, env, bucket, s3, admin, topic, offsets, logDir, children } = run;
  const opsPort = await freePort();
  const groupId = uniqueName('lake-bench');
  const lakeStarted = performance.now();
  const lake = startService(
    'events-lake',
    {
      ...common,
      MYSQL_URL: run.dbUrl,
      S3_ENDPOINT: env.S3_ENDPOINT,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: env.AWS_REGION,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
      LAKE_BUCKET: bucket,
      OPS_PORT: String(opsPort),
      CONSUMER_GROUP: groupId,
      FLUSH_IDLE_SEC: '2',
      TMP_DIR: join(logDir, 'lake-tmp'),
    },
    logDir,
  );
  children.push(lake);
  const metricsUrl = `http://127.0.0.1:${opsPort}/metrics`;
  let firstRowsAt: number | undefined;
  let firstRows = 0;
  for (;;) {
    await sleep(500);
    if (lake.exitCode !== null) throw new Error(`the lake writer exited (${lake.exitCode}); see ${logDir}`);
    const rows = await scrape(metricsUrl, 'reelforge_lake_events_written_total');
    if (rows > 0 && firstRowsAt === undefined) {
      firstRowsAt = performance.now();
      firstRows = rows;
    }
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const done = offsets.every((o) => {
      const c = committed?.partitions.find((p) => p.partition === o.partition)?.offset ?? '-1';
      return c !== '-1' && BigInt(c) >= BigInt(o.high);
    });
    if (done) break;
    if (performance.now() - lakeStarted > 15 * 60_000) throw new Error('the lake writer did not drain in 15 min');
  }
  const drainedAt = performance.now();
  const lakeRows = await scrape(metricsUrl, 'reelforge_lake_events_written_total');
  const lakeCpu = await scrape(metricsUrl, 'reelforge_process_cpu_seconds_total');
  const lakeRss = await scrape(metricsUrl, 'reelforge_process_resident_memory_bytes');
  await stopService(lake);

  // --- What is in the lake: read back every object with DuckDB. -----------------------------------------------
  const keys = await listKeys(s3, bucket, 'events/');
  const layout = /^events\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/\d+-\d+-\d+\.parquet$/;
  const badKeys = keys.filter((k) => !layout.test(k));
  const files: string[] = [];
  for (const key of keys) {
    const path = join(logDir, key.replaceAll('/', '_'));
    await downloadToFile(s3, { bucket, key }, path);
    files.push(path);
  }
  const duckdb = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await duckdb.connect();
  const list = `[${files.map((f) => `'${f}'`).join(',')}]`;
  const counts = await c.runAndReadAll(`SELECT count(*), count(DISTINCT event_id) FROM read_parquet(${list})`);
  const [rows, distinct] = (counts.getRowsJS()[0] ?? [0, 0]).map(Number) as [number, number];
  const bytes = await c.runAndReadAll(`SELECT sum(total_compressed_size) FROM parquet_metadata(${list})`);
  c.closeSync();
  duckdb.closeSync();
  const parquetBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  return {
    objects: keys.length,
    badKeys: badKeys.length,
    rows,
    distinct,
    writerRows: lakeRows,
    drainSec: (drainedAt - lakeStarted) / 1000,
    steadyEventsPerSec:
      firstRowsAt === undefined ? null : Math.round((lakeRows - firstRows) / ((drainedAt - firstRowsAt) / 1000)),
    cpuSec: lakeCpu,
    rssBytes: lakeRss,
    parquetBytes,
    columnBytes: Number(bytes.getRowsJS()[0]?.[0] ?? 0),
  };
}

async function main() {
  const env = await stackEnv();
  const logDir = await mkdtemp(join(tmpdir(), 'events-bench-'));
  const { prefix } = await createTestTopics([TOPIC], PARTITIONS);
  const topic = prefix + TOPIC;
  const testDb = await createTestDatabase();
  const { lake: bucket } = await createTestBuckets('lake');
  const s3 = createS3Client({ region: env.AWS_REGION, endpoint: env.S3_ENDPOINT, forcePathStyle: true });
  const kafka = new Kafka({ brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const children: ChildProcess[] = [];
  let finished = false;
  const common = {
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  };

  try {
    // --- Phase 1: ingest under load. The lake writer is not running, so it does not share the two cores. -------
    const port = await freePort();
    const ingest = startService(
      'events-ingest',
      {
        ...common,
        PORT: String(port),
        HOST: '127.0.0.1',
        WORKERS: String(WORKERS),
        PLAYBACK_SESSION_SECRETS: SESSION_SECRET,
        // The generator is one address posting for thousands of viewers: the per-address limit would measure itself.
        RATE_LIMIT_IP_EVENTS_PER_SEC: '100000000',
        RATE_LIMIT_IP_BURST: '100000000',
        // One session per batch: its burst must hold a batch.
        RATE_LIMIT_BURST: String(Math.max(1000, BATCH)),
      },
      logDir,
    );
    children.push(ingest);
    const ingestMetrics = `http://127.0.0.1:${port}/metrics`;
    // Every worker listening before the load's keep-alive connections are made, or the first would get them all.
    const serving = async () =>
      WORKERS === 1
        ? fetch(`http://127.0.0.1:${port}/readyz`).then(
            (r) => r.ok,
            () => false,
          )
        : (await scrape(ingestMetrics, 'reelforge_events_ingest_workers')) === WORKERS;
    for (let i = 0; ; i++) {
      if (await serving()) break;
      if (i > 150) throw new Error(`ingest did not become ready; see ${logDir}`);
      await sleep(200);
    }
    log(
      `load: ${SECONDS}s, ${WORKERS} ingest workers, ${CONCURRENCY} connections, ${BATCH} events per request, ${PARTITIONS} partitions`,
    );
    const calibrationBefore = calibrate();
    const loadBefore = loadavg()[0] ?? 0;
    const cpu0 = {
      ingest: await scrape(ingestMetrics, 'reelforge_process_cpu_seconds_total'),
      broker: brokerCpuSec(),
      generator: process.cpuUsage(),
    };
    const load = await generateLoad(port, SECONDS);
    const cpu = {
      ingest: (await scrape(ingestMetrics, 'reelforge_process_cpu_seconds_total')) - cpu0.ingest,
      broker: cpu0.broker === null ? null : (brokerCpuSec() ?? 0) - cpu0.broker,
      generator: cpuSec(process.cpuUsage(cpu0.generator)),
    };
    const loadAfter = loadavg()[0] ?? 0;
    const calibrationAfter = calibrate();
    const ingestRss = await scrape(ingestMetrics, 'reelforge_process_resident_memory_bytes');
    await stopService(ingest);

    const offsets = await admin.fetchTopicOffsets(topic);
    const onKafka = offsets.reduce((n, o) => n + Number(BigInt(o.high) - BigInt(o.low)), 0);
    log(`accepted ${load.accepted} events in ${load.elapsedSec.toFixed(1)}s; ${onKafka} on Kafka`);

    const lake = args.lake
      ? await drainLake({ common, env, dbUrl: testDb.url, bucket, s3, admin, topic, offsets, logDir, children })
      : undefined;

    const sorted = [...load.latenciesMs].sort((a, b) => a - b);
    const jsonPerEvent = load.eventBytes / load.accepted;
    const envelope = JSON.stringify({
      version: 1,
      received_at: new Date().toISOString(),
      ip: '127.0.0.1',
      user_agent: USER_AGENT,
      event: {},
    }).length;
    const report = {
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Linux ${release()}`,
      loadAverage1m: { before: Number(loadBefore.toFixed(2)), after: Number(loadAfter.toFixed(2)) },
      parseStringifyMicrosPerEvent: { before: calibrationBefore, after: calibrationAfter },
      config: { seconds: SECONDS, batch: BATCH, concurrency: CONCURRENCY, partitions: PARTITIONS, workers: WORKERS },
      ingest: {
        requests: load.requests,
        failedRequests: load.failedRequests,
        accepted: load.accepted,
        rejected: load.rejected,
        acceptedPerSec: Math.round(load.accepted / load.elapsedSec),
        latencyMs: {
          p50: Number(percentile(sorted, 0.5).toFixed(1)),
          p99: Number(percentile(sorted, 0.99).toFixed(1)),
        },
        rssMiB: Math.round(ingestRss / 1024 ** 2),
      },
      kafka: { messages: onKafka, lost: load.accepted - onKafka },
      lake: lake && {
        objects: lake.objects,
        badKeys: lake.badKeys,
        rows: lake.rows,
        distinctEventIds: lake.distinct,
        writerRowsMetric: lake.writerRows,
        lost: load.accepted - lake.distinct,
        drainWallSec: Number(lake.drainSec.toFixed(1)),
        drainEventsPerSec: Math.round(lake.rows / lake.drainSec),
        steadyEventsPerSec: lake.steadyEventsPerSec,
        rssMiB: Math.round(lake.rssBytes / 1024 ** 2),
      },
      // CPU time per accepted event: unlike events/s, it does not depend on what else the machine is running.
      cpuMicrosPerEvent: {
        ingest: Number(((cpu.ingest / load.accepted) * 1e6).toFixed(2)),
        loadGenerator: Number(((cpu.generator / load.accepted) * 1e6).toFixed(2)),
        kafkaBroker: cpu.broker === null ? null : Number(((cpu.broker / load.accepted) * 1e6).toFixed(2)),
        lakeWriter: lake ? Number(((lake.cpuSec / lake.rows) * 1e6).toFixed(2)) : null,
      },
      bytesPerEvent: {
        playerJson: Number(jsonPerEvent.toFixed(1)),
        kafkaRecordJson: Number((jsonPerEvent + envelope - 2).toFixed(1)),
        parquetZstd: lake ? Number((lake.parquetBytes / lake.rows).toFixed(1)) : null,
        parquetColumnData: lake ? Number((lake.columnBytes / lake.rows).toFixed(1)) : null,
      },
    };
    const perEvent = report.cpuMicrosPerEvent;
    const pipeline = perEvent.ingest + perEvent.loadGenerator + (perEvent.kafkaBroker ?? 0);
    process.stdout.write(
      `${JSON.stringify({ ...report, projectedEventsPerSecOnTwoIdleCores: Math.round(2e6 / pipeline) }, null, 2)}\n`,
    );
    if (report.kafka.lost !== 0 || (report.lake && (report.lake.lost !== 0 || report.lake.badKeys > 0))) {
      process.exitCode = 1;
    } else finished = true;
  } finally {
    for (const child of children) await stopService(child);
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => {});
    await admin.disconnect();
    await deletePrefix(s3, bucket, '').catch(() => {});
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
    await testDb.drop();
    // Service logs stay for a look when something went wrong.
    if (finished) await rm(logDir, { recursive: true, force: true });
    else log(`logs kept in ${logDir}`);
  }
}

await main();
