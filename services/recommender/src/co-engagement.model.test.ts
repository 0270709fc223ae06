import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, DEFAULT_MODEL, readLists } from './co-engagement.model.js';

let duckdb: DuckDBInstance;

beforeAll(async () => {
  duckdb = await DuckDBInstance.create(':memory:', { threads: '1' });
});
afterAll(() => duckdb?.closeSync());

type Row = [user: string | null, video: string, type: string, position: number | null, minute: number];

async function model(rows: Row[], visible: [string, string][], k = 3, rowsPerPass = DEFAULT_MODEL.rowsPerPass) {
  const c = await duckdb.connect();
  try {
    await c.run('DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS visible');
    await c.run(`CREATE TABLE events (user_id VARCHAR, content_id VARCHAR, event_type VARCHAR, position_sec DOUBLE,
                 "timestamp" TIMESTAMPTZ)`);
    for (const [u, i, t, p, m] of rows) {
      await c.run("INSERT INTO events VALUES ($u, $i, $t, $p, TIMESTAMPTZ '2025-03-01 10:00:00+00' + to_minutes($m))", {
        u,
        i,
        t,
        p,
        m,
      });
    }
    await c.run('CREATE TABLE visible (id VARCHAR, owner VARCHAR)');
    for (const [id, owner] of visible) await c.run('INSERT INTO visible VALUES ($id, $owner)', { id, owner });
    await buildModel(c, { ...DEFAULT_MODEL, k, rowsPerPass });
    return await readLists(c);
  } finally {
    c.closeSync();
  }
}

// Three videos liked in overlapping pairs, one partly watched, one private; d has only partly watched v1.
const history: Row[] = [
  ['a', 'v1', 'like', null, 1],
  ['a', 'v2', 'like', null, 2],
  ['b', 'v1', 'like', null, 1],
  ['b', 'v3', 'like', null, 2],
  ['b', 'v4', 'play', 30, 3],
  ['c', 'v2', 'like', null, 1],
  ['c', 'v3', 'like', null, 2],
  ['c', 'v5', 'play', 60, 3],
  ['d', 'v1', 'play', 120, 1],
  // Anonymous viewers have no profile to recommend to.
  [null, 'v2', 'like', null, 1],
];
const visible: [string, string][] = [
  ['v1', 'x'],
  ['v2', 'x'],
  ['v3', 'x'],
  ['v4', 'a'],
];

const SIM_12 = 9 / Math.sqrt(19 * 18); // v1·v2 over their norms (a liked both)
const SIM_14 = 1.5 / (Math.sqrt(19) * 0.5);
const SIM_34 = 1.5 / (Math.sqrt(18) * 0.5);

describe('co-engagement model', () => {
  it('scores by co-engagement, fills with the popular, and leaves out liked, own and invisible videos', async () => {
    const lists = await model(history, visible);
    const byUser = Object.fromEntries(lists.map((l) => [l.userId, l.items]));
    expect(Object.keys(byUser)).toEqual(['a', 'b', 'c', 'd']);
    // a liked v1 and v2 and owns v4: v3 alone (via v1 and via v2, 3·SIM_12 + 3·0.5).
    expect(byUser.a?.map((x) => x.videoId)).toEqual(['v3']);
    expect(byUser.a?.[0]?.score).toBeCloseTo(3 * SIM_12 + 1.5, 10);
    // b liked v1 and v3; v4, only partly watched, stays a candidate and is the closest to both.
    expect(byUser.b?.map((x) => x.videoId)).toEqual(['v4', 'v2']);
    expect(byUser.b?.[0]?.score).toBeCloseTo(3 * SIM_14 + 3 * SIM_34, 10);
    expect(byUser.b?.[1]?.score).toBeCloseTo(3 * SIM_12 + 1.5, 10);
    // c: v5 is not visible, so it neither shows nor lends its neighbours anything visible beyond v2/v3.
    expect(byUser.c?.map((x) => x.videoId)).toEqual(['v1', 'v4']);
    expect(byUser.c?.[0]?.score).toBeCloseTo(6 * SIM_12, 10);
    // d's one partial watch: neighbours of v1 by similarity (ties by id), cut at K.
    expect(byUser.d?.map((x) => x.videoId)).toEqual(['v4', 'v2', 'v3']);
    expect(byUser.d?.[0]?.score).toBeCloseTo(SIM_14, 10);
  });

  it('gives the same lists when it works in passes over slices of videos and users', async () => {
    expect(await model(history, visible, 3, 2)).toEqual(await model(history, visible));
  });

  it('fills a list with the most popular visible videos when co-engagement has nothing (new videos, loners)', async () => {
    const lists = await model(
      [
        ['e', 'v9', 'view_complete', 61, 1],
        ['f', 'v1', 'like', null, 1],
        ['f', 'v1', 'view_complete', 60, 2],
        ['g', 'v2', 'play', 30, 1],
        ['g', 'v2', 'like', null, 2],
        ['g', 'v2', 'unlike', null, 3],
      ],
      [
        ['v1', 'x'],
        ['v2', 'x'],
        ['v9', 'x'],
      ],
    );
    // Popularity: v1 = 3 + 2 + 1, v9 = 2 + 1, v2 = 0.5 (its like was taken back).
    expect(lists).toEqual([
      {
        userId: 'e',
        items: [
          { videoId: 'v1', score: 0 },
          { videoId: 'v2', score: 0 },
        ],
      },
      {
        userId: 'f',
        items: [
          { videoId: 'v9', score: 0 },
          { videoId: 'v2', score: 0 },
        ],
      },
      {
        userId: 'g',
        items: [
          { videoId: 'v1', score: 0 },
          { videoId: 'v9', score: 0 },
          { videoId: 'v2', score: 0 },
        ],
      },
    ]);
  });
});
