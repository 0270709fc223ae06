// Nothing lost, nothing doubled, never stuck — under fire: a second, isolated Reelforge takes uploads for a minute
// while a seeded random part of it (a daemon, a service, a transcoder child) is SIGKILLed and restarted every few
// seconds. Then every accepted upload must end ready, no (video, attempt) may have two jobs, and the processed
// bucket may hold only the attempt each ready video points at. The default seed plans every kind of victim within
// the minute, MariaDB third. Replay a failure with CHAOS_SEED=<seed printed>.
import { listKeys } from '@reelforge/storage';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ApiClient } from './api.client.js';
import { eventually } from './eventually.js';
import { isolatedStackForFile, type StackPart } from './isolated.stack.js';
import { videoClip } from './media.clips.js';

const SEED = Number.parseInt(process.env.CHAOS_SEED ?? '7', 10);
const CHAOS_MS = 60_000;
/** After the last kill: retries, the reaper and launch recovery all run on the short clocks below. */
const SETTLE_MS = 150_000;

type Victim =
  | Exclude<
      StackPart,
      'moto' | 'prometheus' | 'events-ingest' | 'events-lake' | 'engagement-metrics' | 'recommender' | 'playback-edge'
    >
  | 'transcoder';
const victims: Victim[] = ['s3', 'kafka', 'mariadb', 'upload-api', 'dispatcher', 'completion', 'transcoder'];

/** mulberry32: a tiny PRNG whose whole state is one 32-bit number, so a seed replays the same run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Every service gets the clocks of a test: a crashed member's partitions move in seconds, a lost task is seen in
// seconds, a retry waits a second. MAX_ATTEMPTS leaves room for the transcoder kills this run aims at one video.
const serviceEnv = {
  REAPER_INTERVAL_SEC: '2',
  RECOVER_AFTER_SEC: '10',
  TASK_STOPPED_GRACE_SEC: '5',
  TASK_SUCCEEDED_GRACE_SEC: '20',
  CONSUMER_SESSION_TIMEOUT_MS: '10000',
  CONSUMER_HEARTBEAT_MS: '1000',
  RETRY_BASE_SEC: '1',
  RETRY_MAX_SEC: '4',
  MAX_ATTEMPTS: '6',
  OUTBOX_LEASE_SEC: '10',
  QUOTA_UNFINISHED_VIDEOS: '1000',
};

const isolated = isolatedStackForFile({ serviceEnv });

describe('chaos', () => {
  it('ends every accepted upload ready, with one job per attempt and no stray outputs, through random SIGKILLs', async () => {
    const running = isolated.stack();
    const mysql = isolated.db();
    const api = new ApiClient(running.apiUrl);
    const token = await api.register();
    const clips = await Promise.all([
      videoClip({ width: 320, height: 240, seconds: 2 }),
      videoClip({ width: 256, height: 144, seconds: 3 }),
    ]);

    const rnd = prng(SEED);
    const plan = Array.from({ length: 40 }, () => ({
      pauseMs: 2000 + Math.floor(rnd() * 4000),
      victim: victims[Math.floor(rnd() * victims.length)] as Victim,
    }));
    console.log(`chaos seed ${SEED}; plan: ${plan.map((p) => `+${p.pauseMs}ms ${p.victim}`).join(', ')}`);

    const accepted: string[] = [];
    const refused: Record<string, number> = {};
    const survived: Record<string, number> = {};
    const log: string[] = [];
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
    let chaosOver = false;

    const uploads = (async () => {
      for (let i = 0; !chaosOver; i++) {
        try {
          const video = await api.upload(
            token,
            clips[i % clips.length] as Buffer,
            `chaos-${i}.mp4`,
            AbortSignal.timeout(20_000),
          );
          accepted.push(video.id);
        } catch (err) {
          // Not accepted: the API (or what it needs) was down. A row it may have written is checked below all the same.
          const reason = String((err as Error).message).match(/^upload: \d+|^[\w ]+/)?.[0] ?? 'error';
          refused[reason] = (refused[reason] ?? 0) + 1;
        }
        await pause(1000);
      }
    })();

    // Restarts run beside the kills, not between them (an `up` takes seconds on a busy machine): one `up` at a time,
    // again whenever something was killed while it ran, until it finds everything running.
    let restarts = Promise.resolve();
    let restartWanted = false;
    let restarting = false;
    const restart = () => {
      restartWanted = true;
      if (restarting) return;
      restarting = true;
      restarts = (async () => {
        while (restartWanted) {
          restartWanted = false;
          // A part killed while `up` waited for it fails that `up`; the next round starts it.
          await running.up().catch(() => {
            restartWanted = true;
          });
        }
        restarting = false;
      })();
    };

    const kill = async (victim: Victim): Promise<'killed' | 'down already' | 'none running'> => {
      if (victim !== 'transcoder') {
        if ((await running.pid(victim)) === undefined) return 'down already';
        await running.kill(victim);
        restart();
        return 'killed';
      }
      // A transcoder runs only while there is work: wait a little for one rather than skip the turn.
      const until = Date.now() + 5000;
      let pids = await running.transcoderPids();
      while (pids.length === 0 && Date.now() < until) {
        await pause(200);
        pids = await running.transcoderPids();
      }
      const pid = pids[Math.floor(rnd() * pids.length)];
      if (pid === undefined) return 'none running';
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        return 'none running'; // it finished in the meantime
      }
      return 'killed';
    };

    try {
      for (const { pauseMs, victim } of plan) {
        if (Date.now() - started > CHAOS_MS) break;
        await pause(pauseMs);
        const outcome = await kill(victim);
        log.push(`${elapsed()} ${victim}${outcome === 'killed' ? '' : ` (${outcome})`}`);
        if (outcome === 'killed') survived[victim] = (survived[victim] ?? 0) + 1;
      }
    } finally {
      chaosOver = true;
      await uploads;
      await restarts;
      await running.up();
    }
    console.log(`chaos over at ${elapsed()}: ${log.join(', ')}`);

    const jobsOf = async (ids: string[]) =>
      (
        await mysql
          .selectFrom('transcodeJobs')
          .select(['videoId', 'attempt', 'status', 'errorCode'])
          .where('videoId', 'in', ids.length > 0 ? ids : [''])
          .orderBy('videoId')
          .orderBy('attempt')
          .execute()
      )
        .map((j) => `${j.videoId}#${j.attempt} ${j.status}${j.errorCode ? ` ${j.errorCode}` : ''}`)
        .join('\n');

    // The run proves something only if the pipeline was actually hit while it worked.
    expect(Object.values(survived).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
    expect(accepted.length).toBeGreaterThanOrEqual(4);
    // Everything that entered the pipeline — accepted, or written before its answer was lost — comes to rest.
    const videos = await eventually(
      'every video in the pipeline ready or failed',
      async () => {
        const rows = await mysql.selectFrom('videos').select(['id', 'status', 'attempt', 'errorCode']).execute();
        return rows.some((v) => ['uploaded', 'queued', 'processing'].includes(v.status)) ? null : rows;
      },
      SETTLE_MS,
    );
    const byId = new Map(videos.map((v) => [v.id, v]));
    const notReady = accepted
      .map((id) => byId.get(id))
      .filter((v) => v?.status !== 'ready')
      .map((v) => `${v?.id} ${v?.status} ${v?.errorCode}`);
    expect(notReady, await jobsOf(accepted)).toEqual([]);

    const doubled = await mysql
      .selectFrom('transcodeJobs')
      .select(['videoId', 'attempt', sql<number>`COUNT(*)`.as('jobs')])
      .groupBy(['videoId', 'attempt'])
      .having(sql`COUNT(*)`, '>', 1)
      .execute();
    expect(doubled).toEqual([]);

    // Only the attempt each ready video points at may have files; every other attempt's folder is cleaned up.
    const s3 = running.s3();
    const folders = new Set(
      (await listKeys(s3, 'reelforge-processed', 'videos/')).map((k) => k.split('/').slice(1, 3).join('/')),
    );
    const stray = [...folders].filter((f) => {
      const [id, attempt] = f.split('/');
      const v = byId.get(id as string);
      return !(v?.status === 'ready' && String(v.attempt) === attempt);
    });
    expect(stray, await jobsOf(stray.map((f) => f.split('/')[0] as string))).toEqual([]);

    console.log(
      `chaos seed ${SEED}: ${accepted.length} accepted uploads ready, refused ${JSON.stringify(refused)}; ` +
        `survived ${Object.values(survived).reduce((a, b) => a + b, 0)} kills ${JSON.stringify(survived)}`,
    );
  }, 600_000);
});
