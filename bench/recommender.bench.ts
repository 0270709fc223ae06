// Offline evaluation of "For You" (services/recommender). Phase 1, quality: a generated population with hidden tastes
// — users in groups, each group preferring a group of videos (a few videos of each much more than the rest), plus
// noise — watches and likes; every user's last likes are held out; the rest goes as players' events through the real
// ingest (a child process, session tokens as upload-api signs them) to Kafka, the real lake writer (another child
// process) writes Parquet to the object store, and the recommender's own lake copy and model build lists from it.
// Reported: hit-rate@10 (a user is a hit when a held-out like is in their top 10) of the model and of the
// popularity baseline (the most engaged-with videos the user has not liked or finished), target model ≥ 2 × baseline.
// Phase 2, speed: the model's build time over 10 million events, written directly as Parquet by DuckDB (going
// through the ingest would time the ingest, which bench/events.bench.ts does).
//
//   ./reelforge up                                    # the local stack
//   pnpm turbo run build --filter @reelforge/bench...
//   node bench/recommender.bench.ts [--groups 8] [--users 800] [--videos 400] [--noise 0.15] [--seed 19]
//                                   [--timing-events 10000000] [--memory-limit 4GB] [--no-timing] [--no-quality]
//
// It makes its own topic (prefix), database and bucket, and removes them afterwards.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { buildModel, DEFAULT_MODEL, popularityLists, readLists, snapshotLake } from '@reelforge/recommender';
import { createS3Client, deletePrefix, signPlaybackSession } from '@reelforge/storage';
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
    groups: { type: 'string', default: '8' },
    users: { type: 'string', default: '800' },
    videos: { type: 'string', default: '400' },
    noise: { type: 'string', default: '0.15' },
    seed: { type: 'string', default: '19' },
    'timing-events': { type: 'string', default: '10000000' },
    timing: { type: 'boolean', default: true },
    quality: { type: 'boolean', default: true },
    'memory-limit': { type: 'string', default: '4GB' },
  },
  allowNegative: true,
});
const GROUPS = Number(args.groups);
const USERS = Number(args.users);
const VIDEOS = Number(args.videos);
const NOISE = Number(args.noise);
const TIMING_EVENTS = Number(args['timing-events']);
const K = 10;
const SESSION_SECRET = 'recommender-bench-session-secret-0123456789';

const log = (msg: string) => process.stderr.write(`${msg}\n`);

// --- The population ---------------------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so a run can be repeated exactly. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Interaction {
  user: string;
  video: string;
  liked: boolean;
  completed: boolean;
  /** Furthest position watched, seconds. */
  position: number;
  at: number;
}

function population() {
  const random = rng(Number(args.seed));
  const videos = Array.from({ length: VIDEOS }, () => crypto.randomUUID());
  const perGroup = Math.floor(VIDEOS / GROUPS);
  const groupVideos = (g: number) => videos.slice(g * perGroup, (g + 1) * perGroup);
  // Within a group some videos are much more liked than others (Zipf, exponent 0.8): what popularity can exploit.
  const zipf = Array.from({ length: perGroup }, (_, r) => 1 / (r + 1) ** 0.8);
  const zipfTotal = zipf.reduce((a, b) => a + b, 0);
  const pickInGroup = (g: number) => {
    let x = random() * zipfTotal;
    for (let r = 0; r < perGroup; r++) {
      x -= zipf[r] as number;
      if (x <= 0) return groupVideos(g)[r] as string;
    }
    return groupVideos(g)[perGroup - 1] as string;
  };
  const start = Date.now() - 3 * 3600 * 1000;
  const train: Interaction[] = [];
  const heldOut = new Map<string, Set<string>>();
  for (let n = 0; n < USERS; n++) {
    const user = `user-${n}`;
    const group = n % GROUPS;
    const count = 15 + Math.floor(random() * 11);
    const seen = new Set<string>();
    const mine: Interaction[] = [];
    for (let k = 0; mine.length < count && k < count * 10; k++) {
      const noise = random() < NOISE;
      const video = noise ? (videos[Math.floor(random() * VIDEOS)] as string) : pickInGroup(group);
      if (seen.has(video)) continue;
      seen.add(video);
      const completed = random() < (noise ? 0.2 : 0.6);
      mine.push({
        user,
        video,
        liked: random() < (noise ? 0.1 : 0.5),
        completed,
        position: completed ? 60 + Math.floor(random() * 600) : Math.floor(random() * 55),
        at: start + mine.length * 5 * 60_000 + Math.floor(random() * 60_000),
      });
    }
    // Hold out the last likes: two when there are four or more, one when there are two or three.
    const likes = mine.filter((i) => i.liked);
    const hold = likes.length >= 4 ? 2 : likes.length >= 2 ? 1 : 0;
    const held = new Set(likes.slice(likes.length - hold).map((i) => i.video));
    if (held.size > 0) heldOut.set(user, held);
    train.push(...mine.filter((i) => !held.has(i.video)));
  }
  return { videos, train, heldOut };
}

/** One playback session per interaction: play, then pause or view_complete, and maybe a like. */
function sessionBatch(i: Interaction, n: number) {
  const sessionId = `bench-${n}`;
  const token = signPlaybackSession(SESSION_SECRET, {
    videoId: i.video,
    sessionId,
    userId: i.user,
    viewerId: i.user,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });
  const event = (type: string, position: number, offsetSec: number) => ({
    schema_version: 1,
    event_id: crypto.randomUUID(),
    event_type: type,
    timestamp: new Date(i.at + offsetSec * 1000).toISOString(),
    user_id: i.user,
    device_id: `device-${i.user}`,
    session_id: sessionId,
    content_id: i.video,
    position_sec: position,
    client: { app: 'bench', version: '1.0.0' },
  });
  const events = [event('play', 0, 0), event(i.completed ? 'view_complete' : 'pause', i.position, i.position)];
  if (i.liked) events.push(event('like', i.position, i.position + 1));
  return { token, body: JSON.stringify(events), count: events.length };
}

// --- Services ---------------------------------------------------------------------------------------------------

function startService(name: string, env: Record<string, string>, logDir: string): ChildProcess {
  const main = new URL(`services/${name}/dist/main.js`, root).pathname;
  const child = spawn(process.execPath, [main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createWriteStream(join(logDir, `${name}.log`));
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Polls until `check` answers true; the condition is the signal, the pause only spaces the polls. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// --- Evaluation ---------------------------------------------------------------------------------------------------

async function evaluate(
  duckdb: DuckDBInstance,
  files: string[],
  videos: string[],
  heldOut: Map<string, Set<string>>,
): Promise<{ model: number; popularity: number; users: number; events: number; seconds: number }> {
  const c = await duckdb.connect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    const list = files.map((f) => `'${f}'`).join(', ');
    await c.run(`CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM read_parquet([${list}])`);
    await c.run(
      `CREATE OR REPLACE TEMP TABLE visible AS SELECT unnest([${videos.map((v) => `'${v}'`).join(', ')}]) AS id, 'bench-owner' AS owner`,
    );
    const events = Number((await c.runAndReadAll('SELECT count(*) FROM events')).getRowsJS()[0]?.[0]);
    const started = performance.now();
    await buildModel(c, { ...DEFAULT_MODEL, k: K });
    const seconds = (performance.now() - started) / 1000;
    const lists = new Map((await readLists(c)).map((l) => [l.userId, l.items.map((x) => x.videoId)]));
    // The baseline: the same popularity the model falls back on, and the same exclusions, for every user.
    const popular = await popularityLists(c, K);
    let modelHits = 0;
    let popularHits = 0;
    for (const [user, held] of heldOut) {
      if ((lists.get(user) ?? []).some((v) => held.has(v))) modelHits++;
      if ((popular.get(user) ?? []).some((v) => held.has(v))) popularHits++;
    }
    return {
      model: modelHits / heldOut.size,
      popularity: popularHits / heldOut.size,
      users: heldOut.size,
      events,
      seconds,
    };
  } finally {
    c.closeSync();
  }
}

/** 10 million events written straight to Parquet with the lake's columns, then one model build over them. */
async function timeBuild(dir: string, threads: number) {
  const duckdb = await DuckDBInstance.create(':memory:', {
    threads: String(threads),
    memory_limit: String(args['memory-limit']),
    temp_directory: join(dir, 'spill'),
  });
  const c = await duckdb.connect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    const users = Math.round(TIMING_EVENTS / 100);
    const videos = Math.max(1000, Math.round(TIMING_EVENTS / 500));
    const genStarted = performance.now();
    // Users in 50 taste groups over videos in 50 groups, 85 % in-group; ~2.5 events per (user, video).
    await c.run(`COPY (
      SELECT 1 AS schema_version, 'e' || n AS event_id,
             ['play', 'pause', 'view_complete', 'like', 'play'][1 + (hash(n, 1) % 5)::INTEGER] AS event_type,
             TIMESTAMPTZ '2026-12-01 00:00:00+00' + to_seconds((n % 86400)::BIGINT) AS "timestamp",
             'u' || (n // 3 % ${users}) AS user_id, 'd' AS device_id, 's' || (n // 3) AS session_id,
             'v' || CASE WHEN hash(n // 3, 2) % 100 < 85
                         THEN (n // 3 % ${users}) % 50 * ${videos / 50} + (hash(n // 3, 3) % ${videos / 50})::BIGINT
                         ELSE (hash(n // 3, 4) % ${videos})::BIGINT END AS content_id,
             (hash(n, 5) % 600)::DOUBLE AS position_sec
      FROM range(${TIMING_EVENTS}) t(n)
    ) TO '${join(dir, 'timing')}' (FORMAT parquet, COMPRESSION zstd, PER_THREAD_OUTPUT true)`);
    const genSeconds = (performance.now() - genStarted) / 1000;
    await c.run(`CREATE TEMP VIEW events AS SELECT * FROM read_parquet('${join(dir, 'timing')}/*.parquet')`);
    await c.run(`CREATE TEMP TABLE visible AS SELECT 'v' || n AS id, 'owner' AS owner FROM range(${videos}) t(n)`);
    const started = performance.now();
    await buildModel(c);
    const lists = Number((await c.runAndReadAll('SELECT count(DISTINCT ux) FROM recs')).getRowsJS()[0]?.[0]);
    const seconds = (performance.now() - started) / 1000;
    const interactions = Number((await c.runAndReadAll('SELECT count(*) FROM interactions')).getRowsJS()[0]?.[0]);
    return { users, videos, interactions, lists, seconds, genSeconds };
  } finally {
    c.closeSync();
    duckdb.closeSync();
  }
}

/** Phase 1: the population's events through the real ingest and lake, then the model against the baseline. */
async function quality(
  dir: string,
  prefix: string,
  dbUrl: string,
  lakeBucket: string,
  env: Awaited<ReturnType<typeof stackEnv>>,
  children: ChildProcess[],
  admin: Admin,
): Promise<void> {
  const { videos, train, heldOut } = population();
  const common = {
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: '3',
    MYSQL_URL: dbUrl,
    LOG_LEVEL: 'warn',
    ENSURE_TOPICS: 'false',
  };
  const ingestPort = await freePort();
  children.push(
    startService(
      'events-ingest',
      {
        ...common,
        PORT: String(ingestPort),
        HOST: '127.0.0.1',
        PLAYBACK_SESSION_SECRETS: SESSION_SECRET,
        RATE_LIMIT_IP_EVENTS_PER_SEC: '100000000',
        RATE_LIMIT_IP_BURST: '100000000',
      },
      dir,
    ),
  );
  const lakeGroup = uniqueName('bench-lake');
  children.push(
    startService(
      'events-lake',
      {
        ...common,
        OPS_PORT: String(await freePort()),
        CONSUMER_GROUP: lakeGroup,
        LAKE_BUCKET: lakeBucket,
        FLUSH_IDLE_SEC: '1',
        DUCKDB_THREADS: '1',
      },
      dir,
    ),
  );
  const url = `http://127.0.0.1:${ingestPort}`;
  await until('the ingest', async () => (await fetch(`${url}/healthz`)).ok, 60_000);

  // Phase 1: every training interaction as a player's session, 8 requests in flight.
  const sendStarted = performance.now();
  let next = 0;
  let sent = 0;
  const sender = async () => {
    while (next < train.length) {
      const n = next++;
      const { token, body, count } = sessionBatch(train[n] as Interaction, n);
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      sent += count;
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
  const sendSeconds = (performance.now() - sendStarted) / 1000;
  log(`sent ${sent} events (${train.length} sessions) through the ingest in ${sendSeconds.toFixed(1)} s`);

  const topic = `${prefix}engagement.events`;
  await until(
    'the lake to commit every event',
    async () => {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: lakeGroup, topics: [topic] });
      return ends.every(
        (e) => (committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1') === e.high,
      );
    },
    300_000,
  );
  const s3 = createS3Client({ region: env.AWS_REGION, endpoint: env.S3_ENDPOINT, forcePathStyle: true });
  const snapshot = await snapshotLake({
    s3,
    bucket: lakeBucket,
    prefix: 'events/',
    now: new Date(),
    days: 2,
    tmpDir: dir,
  });
  s3.destroy();
  const duckdb = await DuckDBInstance.create(':memory:', { threads: '2' });
  const quality = await evaluate(duckdb, snapshot.files, videos, heldOut);
  duckdb.closeSync();
  const ratio = quality.model / Math.max(quality.popularity, 1e-9);
  const verdict = ratio >= 2 ? 'met' : 'NOT met';
  log(
    `hit-rate@${K} over ${quality.users} users with held-out likes: model ${(quality.model * 100).toFixed(1)} %, ` +
      `popularity ${(quality.popularity * 100).toFixed(1)} % (${ratio.toFixed(2)}×, target ≥ 2×: ${verdict}); ` +
      `${quality.events} lake events from ${snapshot.files.length} objects, model built in ${quality.seconds.toFixed(2)} s`,
  );
}

// --- Main -----------------------------------------------------------------------------------------------------------

async function main() {
  const env = await stackEnv();
  const machine = `${cpus()[0]?.model ?? '?'}, ${cpus().length} vCPU, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.versions.node}`;
  const loadBefore = loadavg()[0]?.toFixed(1);
  log(`machine: ${machine}; load average ${loadBefore}`);
  const dir = await mkdtemp(join(tmpdir(), 'recommender-bench-'));
  const { prefix } = await createTestTopics(['engagement.events'], 3);
  const testDb = await createTestDatabase();
  const buckets = await createTestBuckets('lake');
  const children: ChildProcess[] = [];
  const kafka = new Kafka({
    brokers: env.KAFKA_BROKERS.split(','),
    clientId: 'recommender-bench',
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (args.quality) await quality(dir, prefix, testDb.url, buckets.lake, env, children, admin);
    for (const child of children.splice(0)) await stopService(child);
    if (args.timing) {
      log(
        `phase 2: ${TIMING_EVENTS.toLocaleString('en')} events as Parquet, then one build (2 threads, ${args['memory-limit']})`,
      );
      const t = await timeBuild(dir, 2);
      log(
        `generated in ${t.genSeconds.toFixed(1)} s; build over ${TIMING_EVENTS.toLocaleString('en')} events ` +
          `(${t.users.toLocaleString('en')} users, ${t.videos.toLocaleString('en')} videos, ` +
          `${t.interactions.toLocaleString('en')} interactions): ${t.seconds.toFixed(1)} s, ${t.lists.toLocaleString('en')} lists`,
      );
    }
    log(`load average after: ${loadavg()[0]?.toFixed(1)}`);
  } finally {
    for (const child of children) await stopService(child);
    await admin.deleteTopics({ topics: [`${prefix}engagement.events`] }).catch(() => undefined);
    await admin.disconnect();
    await deletePrefix(buckets.s3, buckets.lake, '').catch(() => undefined);
    await buckets.s3.send(new DeleteBucketCommand({ Bucket: buckets.lake })).catch(() => undefined);
    buckets.s3.destroy();
    await testDb.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
