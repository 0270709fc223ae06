// One build of "For You": copy the lake's recent days, run the model in DuckDB against the videos visible now, and
// replace every user's list in MySQL; users the build no longer has a list for lose theirs (they get trending).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Database, Kysely, RecommendationRepository } from '@reelforge/db';
import { buildModel, type ModelParams, readLists } from './co-engagement.model.js';
import { snapshotLake } from './lake.snapshot.js';

export interface BuildDeps {
  duckdb: DuckDBInstance;
  s3: S3Client;
  db: Kysely<Database>;
  recommendations: RecommendationRepository;
  bucket: string;
  prefix: string;
  lookbackDays: number;
  tmpDir: string;
  model: ModelParams;
  /** Users whose lists are replaced in one transaction. */
  writeBatch?: number;
  now?: () => Date;
}

export interface BuildResult {
  files: number;
  events: number;
  users: number;
  builtAt: Date;
}

export async function buildRecommendations(deps: BuildDeps): Promise<BuildResult> {
  const builtAt = deps.now?.() ?? new Date();
  const snapshot = await snapshotLake({
    s3: deps.s3,
    bucket: deps.bucket,
    prefix: deps.prefix,
    now: builtAt,
    days: deps.lookbackDays,
    tmpDir: deps.tmpDir,
  });
  const c = await deps.duckdb.connect();
  try {
    // Public and ready now: the model only ever proposes these (upload-api re-checks when it serves a list).
    const visible = await deps.db
      .selectFrom('videos')
      .select(['id', 'ownerId'])
      .where('visibility', '=', 'public')
      .where('status', '=', 'ready')
      .execute();
    const visiblePath = join(snapshot.dir, 'visible.csv');
    await writeFile(visiblePath, `id,owner\n${visible.map((v) => `${v.id},${v.ownerId}`).join('\n')}\n`);
    await c.run("SET TimeZone = 'UTC'");
    await c.run(
      `CREATE OR REPLACE TEMP TABLE visible AS SELECT * FROM read_csv($path, header = true, columns = {'id': 'VARCHAR', 'owner': 'VARCHAR'})`,
      { path: visiblePath },
    );
    if (snapshot.files.length === 0) {
      await c.run(`CREATE OR REPLACE TEMP VIEW events AS
        SELECT NULL::VARCHAR AS user_id, NULL::VARCHAR AS content_id, NULL::VARCHAR AS event_type,
               NULL::DOUBLE AS position_sec, NULL::TIMESTAMPTZ AS "timestamp" WHERE false`);
    } else {
      // A view cannot take prepared parameters: the paths (ours, in the snapshot directory) are inlined as literals.
      const files = snapshot.files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
      await c.run(
        `CREATE OR REPLACE TEMP VIEW events AS SELECT user_id, content_id, event_type, position_sec, "timestamp"
         FROM read_parquet([${files}])`,
      );
    }
    const events = Number((await c.runAndReadAll('SELECT count(*) FROM events')).getRowsJS()[0]?.[0] ?? 0);
    await buildModel(c, deps.model);
    const lists = await readLists(c);
    const batch = deps.writeBatch ?? 500;
    for (let i = 0; i < lists.length; i += batch) {
      await deps.recommendations.replace(lists.slice(i, i + batch), builtAt);
    }
    await deps.recommendations.pruneBuiltBefore(builtAt);
    return { files: snapshot.files.length, events, users: lists.length, builtAt };
  } finally {
    c.closeSync();
    await snapshot.remove();
  }
}
