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
}

export const DEFAULT_MODEL: ModelParams = {
  k: 50,
  likeWeight: 3,
  completeWeight: 2,
  watchWeight: 1,
  watchFullSec: 60,
  maxHistory: 100,
  neighbours: 50,
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
 * Builds `recs (u, i, score, position)` from the relations `events` (the lake's columns) and `visible (id, owner)`.
 * Also leaves `interactions` and `popular (i, pop, rank)` for the caller (the offline evaluation reads them).
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
  await c.run(`
    CREATE OR REPLACE TEMP TABLE hist AS
    SELECT u, i, w FROM interactions WHERE w > 0
    QUALIFY row_number() OVER (PARTITION BY u ORDER BY last_at DESC, i) <= ${int(p.maxHistory)}`);
  await c.run(`
    CREATE OR REPLACE TEMP TABLE sims AS
    WITH norms AS (SELECT i, sqrt(sum(w * w)) AS n FROM hist GROUP BY i),
    dots AS (
      SELECT a.i AS i, b.i AS j, sum(a.w * b.w) AS dot
      FROM hist a JOIN hist b ON a.u = b.u AND a.i <> b.i
      WHERE b.i IN (SELECT id FROM visible)
      GROUP BY a.i, b.i
    )
    SELECT d.i, d.j, d.dot / (na.n * nb.n) AS sim
    FROM dots d JOIN norms na ON na.i = d.i JOIN norms nb ON nb.i = d.j
    QUALIFY row_number() OVER (PARTITION BY d.i ORDER BY sim DESC, d.j) <= ${int(p.neighbours)}`);
  await c.run(`
    CREATE OR REPLACE TEMP TABLE excluded AS
    SELECT u, i FROM interactions WHERE liked OR completed
    UNION SELECT owner AS u, id AS i FROM visible WHERE owner IN (SELECT DISTINCT u FROM interactions)`);
  // Enough popular videos to fill K after removing what a user may not get (their history is at most MAX_HISTORY).
  await c.run(`
    CREATE OR REPLACE TEMP TABLE popular AS
    SELECT i, sum(w) AS pop, row_number() OVER (ORDER BY sum(w) DESC, i) AS rank
    FROM interactions WHERE i IN (SELECT id FROM visible) AND w > 0
    GROUP BY i
    QUALIFY rank <= ${int(p.k) + int(p.maxHistory)}`);
  await c.run(`
    CREATE OR REPLACE TEMP TABLE recs AS
    WITH scored AS (
      SELECT h.u, s.j AS i, sum(h.w * s.sim) AS score
      FROM hist h JOIN sims s ON s.i = h.i
      GROUP BY h.u, s.j
    ),
    candidates AS (
      SELECT u, i, 0 AS tier, score FROM scored
      UNION ALL
      SELECT users.u, p.i, 1 AS tier, 0.0 AS score
      FROM (SELECT DISTINCT u FROM interactions) users CROSS JOIN popular p
    ),
    allowed AS (
      SELECT c.*, p.rank AS pop_rank FROM candidates c
      LEFT JOIN popular p ON p.i = c.i
      ANTI JOIN excluded x ON x.u = c.u AND x.i = c.i
      QUALIFY row_number() OVER (PARTITION BY c.u, c.i ORDER BY c.tier) = 1
    )
    SELECT u, i, score,
           row_number() OVER (PARTITION BY u ORDER BY tier, score DESC, pop_rank NULLS LAST, i) - 1 AS position
    FROM allowed
    QUALIFY position < ${int(p.k)}`);
}

/** The lists `buildModel` left, per user, best first. */
export async function readLists(c: DuckDBConnection): Promise<UserList[]> {
  const reader = await c.runAndReadAll(`
    SELECT u, list(i ORDER BY position) AS items, list(score ORDER BY position) AS scores
    FROM recs GROUP BY u ORDER BY u`);
  return reader.getRowObjectsJS().map((r) => {
    const items = r.items as string[];
    const scores = r.scores as number[];
    return {
      userId: String(r.u),
      items: items.map((videoId, k) => ({ videoId: String(videoId), score: Number(scores[k]) })),
    };
  });
}
