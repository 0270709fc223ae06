// The "For You" model: item-to-item co-engagement over the lake's events, with a popularity fallback. All of it runs
// in DuckDB over an `events` relation with the lake's columns (the caller points it at Parquet files, a test at a
// handful of rows), so 10 million events cost seconds, and the same SQL is unit-tested on exact values.
//
// 1. Interactions: per signed-in user and video, weight = LIKE (when the user's last like/unlike event is a like)
//    + COMPLETE (a view_complete) + WATCH × min(1, furthest position / WATCH_FULL_SEC).
// 2. Each user's most recent MAX_HISTORY interactions; item vectors over users; cosine similarity of two videos
//    = Σ_u w(u,i)·w(u,j) / (‖i‖·‖j‖); each video keeps its NEIGHBOURS most similar visible videos.
// 3. A user's score for a video = Σ over their history of w(u,i) · sim(i, video).
// 4. The list: the model's best, then the most popular visible videos (sum of weights) to fill K — what new users
//    and videos nobody co-engaged with get. Never a video the user liked or watched to the end, never their own,
//    never one outside `visible` (public and ready when the build ran; upload-api re-checks at read time).
import type { DuckDBConnection } from '@duckdb/node-api';

export interface ModelParams {
  /** Recommendations kept per user. */
  k: number;
  likeWeight: number;
  completeWeight: number;
  watchWeight: number;
  /** Seconds of furthest position that count as a full watch. */
  watchFullSec: number;
  maxHistory: number;
  neighbours: number;
  /** History rows per pass of the two big steps (similarities, users' scores); fewer means less memory per pass. */
  rowsPerPass: number;
}

export const DEFAULT_MODEL: ModelParams = {
  k: 50,
  likeWeight: 3,
  completeWeight: 2,
  watchWeight: 1,
  watchFullSec: 60,
  maxHistory: 100,
  neighbours: 50,
  rowsPerPass: 200_000,
};

export interface UserList {
  userId: string;
  /** Best first; `score` is the model's, 0 for a popularity fill. */
  items: { videoId: string; score: number }[];
}

const int = (n: number) => {
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a count: ${n}`);
  return n;
};
const num = (n: number) => {
  if (!Number.isFinite(n)) throw new Error(`not a number: ${n}`);
  return n;
};

/**
 * Builds `recs (ux, ix, score, position)` from the relations `events` (the lake's columns) and `visible (id, owner)`;
 * `readLists` turns it into ids. Ids are numbered first (`user_ix`, `item_ix`) so the joins and groups carry integers,
 * and the two steps whose size grows with history squared — video-to-video similarity and the users' scores — run
 * in passes over slices of videos and of users, so 10 million events fit in a few GB. Leaves `interactions`,
 * `excluded` and `popular` for `popularityLists`.
 */
export async function buildModel(c: DuckDBConnection, p: ModelParams = DEFAULT_MODEL): Promise<void> {
  // Every result below is ordered explicitly; not keeping scan order lets the big joins and windows spill to disk.
  await c.run('SET preserve_insertion_order = false');
  await c.run(`
    CREATE OR REPLACE TEMP TABLE interactions AS
    WITH per AS (
      SELECT user_id AS u, content_id AS i,
             arg_max(event_type, "timestamp") FILTER (WHERE event_type IN ('like', 'unlike')) = 'like' AS liked,
             coalesce(bool_or(event_type = 'view_complete'), false) AS completed,
             coalesce(max(position_sec), 0) AS furthest,
             max("timestamp") AS last_at
      FROM events
      WHERE user_id IS NOT NULL AND content_id IS NOT NULL
      GROUP BY ALL
    )
    SELECT u, i, coalesce(liked, false) AS liked, completed, last_at,
           (CASE WHEN liked THEN ${num(p.likeWeight)} ELSE 0 END)
           + (CASE WHEN completed THEN ${num(p.completeWeight)} ELSE 0 END)
           + ${num(p.watchWeight)} * least(1.0, furthest / ${num(p.watchFullSec)}) AS w
    FROM per`);
  // Numbered in id order, so every tie below, broken by number, is broken by id.
  await c.run(`
    CREATE OR REPLACE TEMP TABLE item_ix AS
    SELECT i, (row_number() OVER (ORDER BY i))::INTEGER AS ix
    FROM (SELECT i FROM interactions UNION SELECT id AS i FROM visible)`);
  await c.run(`
    CREATE OR REPLACE TEMP TABLE user_ix AS
    SELECT u, (row_number() OVER (ORDER BY u))::INTEGER AS ux FROM (SELECT DISTINCT u FROM interactions)`);
  await c.run(`
    CREATE OR REPLACE TEMP TABLE vis AS
    SELECT DISTINCT ix FROM visible JOIN item_ix ON item_ix.i = visible.id`);
  await c.run(`
    CREATE OR REPLACE TEMP TABLE hist AS
    SELECT ux, ix, w FROM interactions JOIN user_ix USING (u) JOIN item_ix USING (i) WHERE w > 0
    QUALIFY row_number() OVER (PARTITION BY ux ORDER BY last_at DESC, ix) <= ${int(p.maxHistory)}`);
  await c.run('CREATE OR REPLACE TEMP TABLE norms AS SELECT ix, sqrt(sum(w * w)) AS n FROM hist GROUP BY ix');
  const rows = Number((await c.runAndReadAll('SELECT count(*) FROM hist')).getRowsJS()[0]?.[0] ?? 0);
  const passes = Math.max(1, Math.ceil(rows / int(p.rowsPerPass || 1)));

  await c.run('CREATE OR REPLACE TEMP TABLE sims (ix INTEGER, jx INTEGER, sim DOUBLE)');
  for (let pass = 0; pass < passes; pass++) {
    await c.run(`
      INSERT INTO sims
      WITH dots AS (
        SELECT a.ix, b.ix AS jx, sum(a.w * b.w) AS dot
        FROM hist a JOIN hist b ON a.ux = b.ux AND a.ix <> b.ix
        WHERE a.ix % ${passes} = ${pass} AND b.ix IN (SELECT ix FROM vis)
        GROUP BY a.ix, b.ix
      )
      SELECT d.ix, d.jx, d.dot / (na.n * nb.n) AS sim
      FROM dots d JOIN norms na ON na.ix = d.ix JOIN norms nb ON nb.ix = d.jx
      QUALIFY row_number() OVER (PARTITION BY d.ix ORDER BY sim DESC, d.jx) <= ${int(p.neighbours)}`);
  }
  await c.run(`
    CREATE OR REPLACE TEMP TABLE excluded AS
    SELECT ux, ix FROM interactions JOIN user_ix USING (u) JOIN item_ix USING (i) WHERE liked OR completed
    UNION
    SELECT user_ix.ux, item_ix.ix FROM visible
    JOIN user_ix ON user_ix.u = visible.owner JOIN item_ix ON item_ix.i = visible.id`);
  // Enough popular videos to fill K after removing what a user may not get (their history is at most MAX_HISTORY).
  await c.run(`
    CREATE OR REPLACE TEMP TABLE popular AS
    SELECT h.ix, sum(w) AS pop, row_number() OVER (ORDER BY sum(w) DESC, h.ix) AS rank
    FROM (SELECT ix, w FROM interactions JOIN item_ix USING (i) WHERE w > 0) h
    WHERE h.ix IN (SELECT ix FROM vis)
    GROUP BY h.ix
    QUALIFY rank <= ${int(p.k) + int(p.maxHistory)}`);
  await c.run('CREATE OR REPLACE TEMP TABLE recs (ux INTEGER, ix INTEGER, score DOUBLE, position BIGINT)');
  for (let pass = 0; pass < passes; pass++) {
    await c.run(`
      INSERT INTO recs
      WITH scored AS (
        SELECT h.ux, s.jx AS ix, sum(h.w * s.sim) AS score
        FROM hist h JOIN sims s ON s.ix = h.ix
        WHERE h.ux % ${passes} = ${pass}
        GROUP BY h.ux, s.jx
      ),
      candidates AS (
        SELECT ux, ix, 0 AS tier, score FROM scored
        UNION ALL
        SELECT users.ux, p.ix, 1 AS tier, 0.0 AS score
        FROM (SELECT ux FROM user_ix WHERE ux % ${passes} = ${pass}) users CROSS JOIN popular p
      ),
      allowed AS (
        SELECT c.*, p.rank AS pop_rank FROM candidates c
        LEFT JOIN popular p ON p.ix = c.ix
        ANTI JOIN excluded x ON x.ux = c.ux AND x.ix = c.ix
        QUALIFY row_number() OVER (PARTITION BY c.ux, c.ix ORDER BY c.tier) = 1
      )
      SELECT ux, ix, score,
             row_number() OVER (PARTITION BY ux ORDER BY tier, score DESC, pop_rank NULLS LAST, ix) - 1 AS position
      FROM allowed
      QUALIFY position < ${int(p.k)}`);
  }
}

/** The lists `buildModel` left, per user, best first. */
export async function readLists(c: DuckDBConnection): Promise<UserList[]> {
  const reader = await c.runAndReadAll(`
    SELECT u, list(i ORDER BY position) AS items, list(score ORDER BY position) AS scores
    FROM recs JOIN user_ix USING (ux) JOIN item_ix USING (ix) GROUP BY u ORDER BY u`);
  return reader.getRowObjectsJS().map((r) => {
    const items = r.items as string[];
    const scores = r.scores as number[];
    return {
      userId: String(r.u),
      items: items.map((videoId, k) => ({ videoId: String(videoId), score: Number(scores[k]) })),
    };
  });
}

/** The popularity baseline `buildModel` falls back on, alone: per user, the K most popular videos they may get. */
export async function popularityLists(c: DuckDBConnection, k: number): Promise<Map<string, string[]>> {
  const reader = await c.runAndReadAll(`
    SELECT u, list(i ORDER BY rank) AS items FROM (
      SELECT users.ux, p.ix, p.rank FROM user_ix users CROSS JOIN popular p
      ANTI JOIN excluded x ON x.ux = users.ux AND x.ix = p.ix
      QUALIFY row_number() OVER (PARTITION BY users.ux ORDER BY p.rank) <= ${int(k)}
    ) JOIN user_ix USING (ux) JOIN item_ix USING (ix)
    GROUP BY u`);
  return new Map(reader.getRowObjectsJS().map((r) => [String(r.u), (r.items as unknown[]).map(String)]));
}
