// Hot reads with and without the Redis cache: `GET /v1/feed` (a page of 20) and a public `GET /v1/videos/:id`, each
// served by the upload API running as a child process on loopback, once with REDIS_URL and once without, loaded by
// autocannon from this process, in the same run. Target: the cache wins ≥ 1.5× requests/s at no worse p99.
//
//   ./reelforge up                                    # the local stack (MariaDB, Redis, S3, Kafka)
//   pnpm turbo run build --filter @reelforge/bench...
//   node bench/feed.bench.ts [--rounds 5] [--seconds 8] [--connections 10] [--videos 200]
//
// Rounds alternate which side goes first; each measurement follows a 2 s warm-up (the cached side fills its entries)
// and the table shows the median of the rounds. CPU is what the API process, MariaDB and Redis used during the
// measurement (from /proc), beside its wall time: the cache moves work from MySQL and the API into Redis, and the
// sum says whether it saved any. Links are CDN paths (production's configuration), so the uncached side pays for
// queries and presenting, not for presigning. It seeds its own database and removes it afterwards.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createDb, migrateToLatest } from '@reelforge/db';
import {
  createTestBuckets,
  createTestDatabase,
  createTestTopics,
  freePort,
  redisUrl,
  uniqueName,
} from '@reelforge/testkit';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';

const root = new URL('..', import.meta.url);
const localEnv = new URL('.reelforge/local.env', root);
if (existsSync(localEnv)) process.loadEnvFile(localEnv);

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '10' },
    videos: { type: 'string', default: '200' },
  },
});
const ROUNDS = Number(args.rounds);
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const VIDEOS = Number(args.videos);

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** CPU seconds (user + system) a process has used, from /proc (Linux); 0 when it cannot be read. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

const pidOf = (name: string) => Number(spawnSync('pidof', ['-s', name], { encoding: 'utf8' }).stdout.trim()) || 0;

async function seed(url: string): Promise<string> {
  const db = createDb({ url, poolSize: 2 });
  await migrateToLatest(db);
  const users = Array.from({ length: 20 }, (_, i) => ({
    id: randomUUID(),
    email: `viewer${i}@bench`,
    passwordHash: 'x',
    displayName: `Viewer ${i}`,
    createdAt: new Date(),
  }));
  await db.insertInto('users').values(users).execute();
  const now = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < VIDEOS; i++) {
    const id = randomUUID();
    ids.push(id);
    const root = `videos/${id}/1/`;
    const at = new Date(now - (VIDEOS - i) * 60_000);
    await db
      .insertInto('videos')
      .values({
        id,
        ownerId: (users[i % users.length] as { id: string }).id,
        title: `Bench video ${i}`,
        description: 'seeded by bench/feed.bench.ts',
        visibility: 'public',
        status: 'ready',
        attempt: 1,
        sourceBucket: null,
        sourceKey: null,
        sourceBytes: 1_000_000,
        sourceSha256: null,
        contentType: 'video/mp4',
        originalFilename: 'clip.mp4',
        multipartUploadId: null,
        uploadExpiresAt: null,
        durationSec: 15,
        width: 1280,
        height: 720,
        progressPct: 100,
        errorCode: null,
        errorMessage: null,
        hlsMasterKey: `${root}master.m3u8`,
        posterKey: `${root}poster.jpg`,
        spriteKey: `${root}sprite.jpg`,
        vttKey: `${root}sprite.vtt`,
        createdAt: at,
        updatedAt: at,
        readyAt: at,
      })
      .execute();
    await db
      .insertInto('renditions')
      .values(
        (['360p', '720p'] as const).map((name, r) => ({
          videoId: id,
          attempt: 1,
          name,
          width: r ? 1280 : 640,
          height: r ? 720 : 360,
          bitrateKbps: r ? 3000 : 800,
          codecs: 'avc1.64001f,mp4a.40.2',
          mp4Key: `${root}${name}.mp4`,
          playlistKey: `${root}${name}/index.m3u8`,
          bytes: 1000,
          createdAt: at,
        })),
      )
      .execute();
    await db
      .insertInto('videoEngagement')
      .values({ videoId: id, views: i * 7 })
      .execute();
    await db
      .insertInto('videoLikes')
      .values(users.slice(0, i % users.length).map((u) => ({ videoId: id, userId: u.id })))
      .execute()
      .catch(() => undefined);
  }
  await db.destroy();
  return ids.at(-1) as string;
}

async function startApi(env: Record<string, string>): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [new URL('services/upload-api/dist/main.js', root).pathname], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const up = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { base, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the upload API did not come up');
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  wall: number;
  errors: number;
}

async function load(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration: seconds });
}

async function measure(url: string, pids: number[]): Promise<Sample> {
  await load(url, 2);
  const cpu0 = (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
  const t0 = process.hrtime.bigint();
  const r = await load(url, SECONDS);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpu: cpu1 - cpu0,
    wall,
    errors: r.errors + r.non2xx + r.timeouts,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main() {
  const redisAt = redisUrl();
  const [database, buckets, topics] = await Promise.all([
    createTestDatabase(),
    createTestBuckets('raw', 'processed'),
    createTestTopics(['video.uploaded']),
  ]);
  log(`seeding ${VIDEOS} public ready videos`);
  const videoId = await seed(database.url);
  const redis = new Redis(redisAt);
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? 0);
  const keyPrefix = `${uniqueName('bench')}:`;
  const common = {
    MYSQL_URL: database.url,
    RAW_BUCKET: buckets.raw,
    PROCESSED_BUCKET: buckets.processed,
    KAFKA_TOPIC_PREFIX: topics.prefix,
    OUTBOX_RELAY_ENABLED: 'false',
    JWT_SECRET: randomBytes(32).toString('hex'),
    CDN_BASE_URL: 'https://cdn.bench.invalid',
    PLAYBACK_TOKEN_SECRETS: randomBytes(32).toString('hex'),
    RATE_LIMIT_IP_MAX: String(1e9),
    CACHE_TTL_SEC: '300',
  };
  const cached = await startApi({ ...common, REDIS_URL: redisAt, REDIS_KEY_PREFIX: keyPrefix });
  const { REDIS_URL: _unset, ...withoutRedis } = process.env;
  process.env = withoutRedis;
  const plain = await startApi(common);
  const mysqlPid = pidOf('mariadbd') || pidOf('mysqld');

  const sides = { cached, uncached: plain } as const;
  const targets = { feed: '/v1/feed?limit=20', video: `/v1/videos/${videoId}` } as const;
  const samples: Record<string, Sample[]> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['cached', 'uncached'] as const) : (['uncached', 'cached'] as const);
      for (const [target, path] of Object.entries(targets)) {
        for (const side of order) {
          const api = sides[side];
          const s = await measure(`${api.base}${path}`, [api.child.pid ?? 0, mysqlPid, redisPid]);
          const key = `${target}/${side}`;
          samples[key] = [...(samples[key] ?? []), s];
          log(
            `round ${round + 1} ${target} ${side}: ${s.rps.toFixed(0)} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms, ` +
              `CPU ${s.cpu.toFixed(1)} s in ${s.wall.toFixed(1)} s, errors ${s.errors}`,
          );
        }
      }
    }
  } finally {
    for (const api of Object.values(sides)) api.child.kill('SIGTERM');
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await database.drop();
  }

  console.log(
    `\n${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model} · ${(totalmem() / 1e9).toFixed(1)} GB · ` +
      `Linux ${release()} · load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} · ${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections, ${VIDEOS} videos\n`,
  );
  console.log(
    '| read | side | req/s | p50 ms | p99 ms | CPU s (API+MariaDB+Redis) / wall s | CPU ms per request | errors |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const verdicts: string[] = [];
  for (const target of Object.keys(targets)) {
    const row = (side: string) => {
      const xs = samples[`${target}/${side}`] ?? [];
      return {
        rps: median(xs.map((s) => s.rps)),
        p50: median(xs.map((s) => s.p50)),
        p99: median(xs.map((s) => s.p99)),
        cpu: median(xs.map((s) => s.cpu)),
        wall: median(xs.map((s) => s.wall)),
        errors: xs.reduce((n, s) => n + s.errors, 0),
      };
    };
    const c = row('cached');
    const u = row('uncached');
    for (const [side, r] of [
      ['cached', c],
      ['uncached', u],
    ] as const) {
      console.log(
        `| ${target} | ${side} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.cpu.toFixed(1)} / ${r.wall.toFixed(1)} | ` +
          `${((r.cpu * 1000) / (r.rps * r.wall)).toFixed(2)} | ${r.errors} |`,
      );
    }
    const speedup = c.rps / u.rps;
    verdicts.push(
      `${target}: ${speedup.toFixed(2)}× requests/s, p99 ${c.p99} vs ${u.p99} ms → ` +
        (speedup >= 1.5 && c.p99 <= u.p99 ? 'meets the target' : 'misses the target'),
    );
  }
  console.log(`\n${verdicts.join('\n')}`);
}

await main();
