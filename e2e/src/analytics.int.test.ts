// Issue #19 end to end on the local stack, with the real services as processes: the content-analytics design's own
// example event sent with an API key reaches the lake and DuckDB finds every field (by the query docs/analytics.md
// documents); without a key, or with a revoked one, nothing is taken; the observability consumer's series move; and
// players' events of a small crafted history, through the ingest and the lake, become a For You list served by the
// API — trending for an anonymous reader.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ApiKeyRepository, VideoRepository } from '@reelforge/db';
import { createS3Client, downloadToFile, listKeys } from '@reelforge/storage';
import { signPlaybackSession } from '@reelforge/storage/tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline, SESSION_SECRET } from './pipeline.stack.js';
import { repoRoot } from './service.process.js';

let pipeline: Pipeline;
let dir: string;

beforeAll(async () => {
  pipeline = await Pipeline.create();
  await Promise.all([
    pipeline.start('upload-api'),
    // Revocation shows within API_KEY_CACHE_SEC: one second here, so the test waits one second, not ten.
    pipeline.start('events-ingest', { API_KEY_CACHE_SEC: '1' }),
    pipeline.start('events-lake'),
    pipeline.start('engagement-metrics'),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'analytics-e2e-'));
}, 120_000);

afterAll(async () => {
  await pipeline?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The design's example, exactly as issue #19 quotes it. */
const example = {
  event_id: 'content_analytics_event__123',
  event_type: 'play',
  timestamp: '2025-03-25T14:30:45.123Z',
  user_id: 'user_123',
  device_id: 'web_browser_xyz',
  session_id: 'sesssion_123',
  ip_address: '192.168.1.1',
  content_id: 'media_123',
  content_type: 'movie',
  title: 'Mr Robot',
  genre: ['thriller', 'action'],
  duration_seconds: 8880,
  language: 'en',
  current_timestamp: 120.5,
  schema_version: '1.0',
  event_source: 'web_app',
};

async function post(events: object[], bearer?: string) {
  const res = await fetch(`${pipeline.eventsUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer && { authorization: `Bearer ${bearer}` }) },
    body: JSON.stringify(events),
  });
  return { status: res.status, body: (await res.json()) as { accepted?: number; rejected?: unknown[]; code?: string } };
}

/** A player's event, with the session token the API would have issued for it. */
function playerEvent(userId: string | null, videoId: string, type: string, position: number, minute: number) {
  const sessionId = `${userId ?? 'anon'}-${videoId}`;
  const token = signPlaybackSession(SESSION_SECRET, {
    videoId,
    sessionId,
    userId,
    viewerId: userId ?? 'anon',
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });
  const event = {
    schema_version: 1,
    event_id: randomUUID(),
    event_type: type,
    timestamp: new Date(Date.now() - (60 - minute) * 60_000).toISOString(),
    user_id: userId,
    device_id: 'e2e-device',
    session_id: sessionId,
    content_id: videoId,
    position_sec: position,
    client: { app: 'e2e-player', version: '1.0.0' },
  };
  return { event, token };
}

/** The lake's objects under a prefix, copied to `dir` with their keys as paths (what `aws s3 sync` does). */
async function syncLake(prefix: string): Promise<string[]> {
  const s3 = createS3Client({ region: 'us-east-1', endpoint: pipeline.store.endpoint, forcePathStyle: true });
  try {
    const keys = await listKeys(s3, pipeline.store.lakeBucket, prefix);
    for (const key of keys) {
      await mkdir(dirname(join(dir, key)), { recursive: true });
      await downloadToFile(s3, { bucket: pipeline.store.lakeBucket, key }, join(dir, key));
    }
    return keys;
  } finally {
    s3.destroy();
  }
}

async function duckdbRows(sql: string): Promise<Record<string, unknown>[]> {
  const duckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c = await duckdb.connect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    duckdb.closeSync();
  }
}

/** The query docs/analytics.md documents (the sql block after its "tested" marker), on the local copy. */
async function documentedQuery(): Promise<string> {
  const doc = await readFile(join(repoRoot, 'docs/analytics.md'), 'utf8');
  const sql = doc.split('<!-- tested: e2e/src/analytics.int.test.ts')[1]?.match(/```sql\n([\s\S]*?)```/)?.[1];
  if (!sql) throw new Error('docs/analytics.md has no tested DuckDB query');
  return sql.replaceAll('s3://reelforge-lake/', `${dir}/`);
}

const userOf = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as { sub: string }).sub;

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${pipeline.port('engagement-metrics')}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.split(' ').at(-1));
  }
  return total;
}

describe('the analytics design, the observability consumer and For You', () => {
  it('takes the design’s example with an API key into the lake with every field; refuses it without one', async () => {
    const keys = new ApiKeyRepository(pipeline.db);
    const { id, key } = await keys.create('e2e sender');
    expect(await post([example], key)).toEqual({ status: 202, body: { accepted: 1, rejected: [] } });
    const none = await post([example]);
    expect([none.status, none.body.code]).toEqual([401, 'SESSION_INVALID']);
    // Revoked: refused within API_KEY_CACHE_SEC. (An empty event: while the key is still trusted it is refused
    // for its body, so nothing of this probe reaches the lake.)
    expect(await keys.revoke(id)).toBe(true);
    await expect.poll(async () => (await post([{}], key)).body.code, { timeout: 15_000 }).toBe('API_KEY_INVALID');
    // A player's event too, so the documented query has both schemas to join.
    const player = playerEvent(null, randomUUID(), 'play', 3, 0);
    expect((await post([player.event], player.token)).status).toBe(202);

    await pipeline.caughtUp('events-lake', 'engagement.events');
    const mediaKeys = await syncLake('media-events/');
    expect(mediaKeys).toEqual([expect.stringMatching(/^media-events\/dt=2025-03-25\/hour=14\/\d+-\d+-\d+\.parquet$/)]);
    await syncLake('events/');
    const [row] = await duckdbRows(
      `SELECT * EXCLUDE (received_at, ip, user_agent, kafka_partition, kafka_offset, extra, api_key_id)
       FROM read_parquet('${dir}/media-events/*/*/*.parquet', hive_partitioning = false)`,
    );
    expect(row).toEqual({ ...example, timestamp: '2025-03-25 14:30:45.123+00' });

    const both = await duckdbRows(await documentedQuery());
    expect(both.map((r) => [r.kind, r.event_id, r.content_type, r.playhead_sec, r.source])).toEqual([
      ['media', 'content_analytics_event__123', 'movie', 120.5, 'web_app'],
      ['player', player.event.event_id, 'video', 3, 'e2e-player'],
    ]);
  }, 120_000);

  it('moves the reelforge_engagement_ series after a batch of events', async () => {
    const { key } = await new ApiKeyRepository(pipeline.db).create('metrics');
    const before = await metric('reelforge_engagement_events_total', { content_type: 'episode' });
    const batch = [0, 1, 2].map((n) => ({
      ...example,
      event_id: `episode-${n}`,
      content_type: 'episode',
      event_type: n === 2 ? 'pause' : 'play',
      timestamp: new Date(Date.now() - (2 - n) * 10_000).toISOString(),
      current_timestamp: n * 10,
      session_id: 'episode-session',
    }));
    expect((await post(batch, key)).status).toBe(202);
    await expect
      .poll(() => metric('reelforge_engagement_events_total', { content_type: 'episode', source: 'web_app' }), {
        timeout: 30_000,
      })
      .toBe(before + 3);
    expect(await metric('reelforge_engagement_watch_seconds_total', { content_type: 'episode' })).toBe(20);
    expect(await metric('reelforge_engagement_active_sessions', {})).toBeGreaterThanOrEqual(1);
    await pipeline.caughtUp('engagement-metrics', 'engagement.events');
    expect(await metric('reelforge_engagement_consumer_lag', {})).toBe(0);
  }, 60_000);

  it('turns a crafted history into For You lists the API serves; an anonymous reader gets trending', async () => {
    const [owner, a, b, c] = [
      await pipeline.register(),
      await pipeline.register(),
      await pipeline.register(),
      await pipeline.register(),
    ];
    const videos = new VideoRepository(pipeline.db);
    const ids: string[] = [];
    for (const title of ['v0', 'v1', 'v2', 'v3']) {
      const id = randomUUID();
      await pipeline.db.transaction().execute(async (tx) => {
        await videos.create(tx, { id, ownerId: userOf(owner), title, visibility: 'public', status: 'uploaded' });
      });
      await pipeline.db
        .updateTable('videos')
        .set({ status: 'ready', readyAt: new Date() })
        .where('id', '=', id)
        .execute();
      ids.push(id);
    }
    const [v0, v1, v2, v3] = ids as [string, string, string, string];
    // a and b like v0 and v1, b also watched v3 to the end; c likes v0 and v2. For a: v3 (b shares both of a's
    // likes), then v2 (through c's v0). For c: v1 (through a and b), then v3.
    const history = [
      playerEvent(userOf(a), v0, 'like', 0, 1),
      playerEvent(userOf(a), v1, 'like', 0, 2),
      playerEvent(userOf(b), v0, 'like', 0, 1),
      playerEvent(userOf(b), v1, 'like', 0, 2),
      playerEvent(userOf(b), v3, 'view_complete', 60, 3),
      playerEvent(userOf(c), v0, 'like', 0, 1),
      playerEvent(userOf(c), v2, 'like', 0, 2),
    ];
    for (const h of history) expect((await post([h.event], h.token)).status).toBe(202);
    await pipeline.caughtUp('events-lake', 'engagement.events');

    // The recommender builds once when it starts; its list shows once it is written.
    await pipeline.start('recommender');
    const forYou = async (jwt?: string) => {
      const res = await fetch(`${pipeline.apiUrl}/v1/feed/for-you?limit=10`, {
        headers: jwt ? { authorization: `Bearer ${jwt}` } : {},
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id);
    };
    await expect.poll(() => forYou(a), { timeout: 60_000 }).toEqual([v3, v2]);
    expect(await forYou(c)).toEqual([v1, v3]);
    // The owner has no engagement of their own: trending, like everyone anonymous.
    const trending = async () =>
      (
        (await (await fetch(`${pipeline.apiUrl}/v1/feed/trending?limit=10`)).json()) as { items: { id: string }[] }
      ).items.map((i) => i.id);
    expect(await forYou()).toEqual(await trending());
    expect(await forYou(owner)).toEqual(await trending());
  }, 120_000);
});
