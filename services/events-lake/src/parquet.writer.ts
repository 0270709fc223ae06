// Turns one chunk of `engagement.events` records into Parquet files, one per schema and event-time hour, plus the
// per-video counts of its players' events (the analytics design's MediaEventV1 are never counted). DuckDB does the work: it parses the JSON, drops repeated event_ids, splits by hour and writes
// zstd Parquet natively, so the event bodies are never parsed in JavaScript. Between chunks it keeps each
// partition's last event_ids in memory tables (the de-duplication window).
//
// Why DuckDB (@duckdb/node-api): a well-kept, widely used engine whose npm package ships its native binary with the
// parquet, json and icu extensions built in (nothing is downloaded at run time), writes standard Parquet with zstd,
// and reads it back, which the tests use. parquet-wasm + apache-arrow would need the JSON parsed and the columns
// built in JavaScript first, which is where the CPU goes at this volume.
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export interface LakeRecord {
  offset: bigint;
  /** The raw Kafka value: an EngagementEventRecordV1 or a MediaEventRecordV1 as JSON. */
  value: Buffer;
}

/** Which schema a file holds: the players' EngagementEventV1, or the analytics design's MediaEventV1 ("1.0"). */
export type LakeSchema = 'v1' | 'media';

export interface ParquetFile {
  schema: LakeSchema;
  dt: string;
  hour: number;
  firstOffset: bigint;
  lastOffset: bigint;
  rows: number;
  path: string;
  bytes: number;
}

export interface VideoCounts {
  videoId: string;
  /** The playback sessions that sent a view in the chunk, sorted: each counts one view at most, ever. */
  viewSessions: string[];
}

export interface WrittenChunk {
  files: ParquetFile[];
  counts: VideoCounts[];
  /** Records whose event_id appeared earlier in the chunk or in the chunk before it. */
  duplicates: number;
  /** Records that are not a readable engagement event; they are left out. */
  invalid: number;
  /** Removes the local files once they are uploaded (or abandoned). */
  cleanup(): Promise<void>;
}

/** The columns of every lake file, in order. `extra` holds the fields the V1 contract does not name, as JSON. */
export const LAKE_COLUMNS = [
  'schema_version',
  'event_id',
  'event_type',
  'timestamp',
  'user_id',
  'device_id',
  'session_id',
  'content_id',
  'position_sec',
  'client_app',
  'client_version',
  'extra',
  'received_at',
  'ip',
  'user_agent',
  'kafka_partition',
  'kafka_offset',
] as const;

/**
 * The columns of the analytics design's MediaEventV1 files (another prefix, see the README): its own fields, then
 * the same envelope columns as the players' files, plus the API key that sent it.
 */
export const MEDIA_COLUMNS = [
  'schema_version',
  'event_id',
  'event_type',
  'timestamp',
  'user_id',
  'device_id',
  'session_id',
  'content_id',
  'content_type',
  'title',
  'genre',
  'duration_seconds',
  'language',
  'current_timestamp',
  'event_source',
  'ip_address',
  'extra',
  'received_at',
  'ip',
  'user_agent',
  'api_key_id',
  'kafka_partition',
  'kafka_offset',
] as const;

/**
 * Which events move the counters on the video resource: a playback session that sent a `view_complete` is one view
 * (the player's duty: once the viewer has watched a meaningful part, docs in events-ingest's README). Likes are not
 * counted here: they are users' rows in MySQL (video_likes), and the lake only records their changes.
 */
export const COUNTED = { views: 'view_complete' } as const;

// A JSON merge patch that deletes every field the V1 contract names: what is left of an event is its extras.
const REMOVE_KNOWN = JSON.stringify({
  schema_version: null,
  event_id: null,
  event_type: null,
  timestamp: null,
  user_id: null,
  device_id: null,
  session_id: null,
  content_id: null,
  position_sec: null,
  client: { app: null, version: null },
});

const RECORD_SHAPE = JSON.stringify({
  received_at: 'VARCHAR',
  ip: 'VARCHAR',
  user_agent: 'VARCHAR',
  event: {
    schema_version: 'INTEGER',
    event_id: 'VARCHAR',
    event_type: 'VARCHAR',
    timestamp: 'VARCHAR',
    user_id: 'VARCHAR',
    device_id: 'VARCHAR',
    session_id: 'VARCHAR',
    content_id: 'VARCHAR',
    position_sec: 'DOUBLE',
    client: { app: 'VARCHAR', version: 'VARCHAR' },
  },
});

const REMOVE_KNOWN_MEDIA = JSON.stringify(Object.fromEntries(MEDIA_COLUMNS.slice(0, 16).map((c) => [c, null])));

const MEDIA_SHAPE = JSON.stringify({
  received_at: 'VARCHAR',
  ip: 'VARCHAR',
  user_agent: 'VARCHAR',
  api_key_id: 'VARCHAR',
  event: {
    schema_version: 'VARCHAR',
    event_id: 'VARCHAR',
    event_type: 'VARCHAR',
    timestamp: 'VARCHAR',
    user_id: 'VARCHAR',
    device_id: 'VARCHAR',
    session_id: 'VARCHAR',
    content_id: 'VARCHAR',
    content_type: 'VARCHAR',
    title: 'VARCHAR',
    genre: ['VARCHAR'],
    duration_seconds: 'DOUBLE',
    language: 'VARCHAR',
    current_timestamp: 'DOUBLE',
    event_source: 'VARCHAR',
    ip_address: 'VARCHAR',
  },
});

// The chunk's records once, split by schema below: a MediaEventV1's schema_version is the string "1.0".
const RECORDS_SQL = `
CREATE TEMP TABLE records AS
SELECT o, r, json_type(r, '$.event.schema_version') = 'VARCHAR' AS media
FROM read_json($path, format = 'newline_delimited', columns = {o: 'BIGINT', r: 'JSON'}, ignore_errors = true)
`;

// One row per readable record, typed; `extra` gathers unknown event fields and unknown client fields (under
// "client"), so nothing a newer player sends is lost.
const CANDIDATES_SQL = `
CREATE TEMP TABLE candidates AS
WITH raw AS (
  SELECT o, json_transform(r, '${RECORD_SHAPE}') AS s, json_merge_patch(r->'event', '${REMOVE_KNOWN}')::VARCHAR AS rest
  FROM records WHERE media IS NOT TRUE
)
SELECT
  s.event.schema_version AS schema_version,
  s.event.event_id AS event_id,
  s.event.event_type AS event_type,
  TRY_CAST(s.event.timestamp AS TIMESTAMPTZ) AS "timestamp",
  s.event.user_id AS user_id,
  s.event.device_id AS device_id,
  s.event.session_id AS session_id,
  s.event.content_id AS content_id,
  s.event.position_sec AS position_sec,
  s.event.client.app AS client_app,
  s.event.client.version AS client_version,
  -- The patch leaves "client": {} behind when the client had nothing extra.
  CASE
    WHEN rest = '{"client":{}}' THEN NULL
    WHEN json_extract(rest, '$.client') = '{}' THEN json_merge_patch(rest, '{"client":null}')::VARCHAR
    ELSE rest
  END AS extra,
  TRY_CAST(s.received_at AS TIMESTAMPTZ) AS received_at,
  s.ip AS ip,
  s.user_agent AS user_agent,
  $partition::INTEGER AS kafka_partition,
  o AS kafka_offset
FROM raw
WHERE o IS NOT NULL AND s.event.event_id IS NOT NULL AND s.event.content_id IS NOT NULL
  AND TRY_CAST(s.event.timestamp AS TIMESTAMPTZ) IS NOT NULL
`;

// The analytics design's events (sent with an API key), typed the same way; `extra` is what that schema does not name.
const MEDIA_CANDIDATES_SQL = `
CREATE TEMP TABLE media_candidates AS
WITH raw AS (
  SELECT o, json_transform(r, '${MEDIA_SHAPE}') AS s, json_merge_patch(r->'event', '${REMOVE_KNOWN_MEDIA}')::VARCHAR AS rest
  FROM records WHERE media
)
SELECT
  s.event.schema_version AS schema_version,
  s.event.event_id AS event_id,
  s.event.event_type AS event_type,
  TRY_CAST(s.event.timestamp AS TIMESTAMPTZ) AS "timestamp",
  s.event.user_id AS user_id,
  s.event.device_id AS device_id,
  s.event.session_id AS session_id,
  s.event.content_id AS content_id,
  s.event.content_type AS content_type,
  s.event.title AS title,
  s.event.genre AS genre,
  s.event.duration_seconds AS duration_seconds,
  s.event.language AS language,
  s.event.current_timestamp AS "current_timestamp",
  s.event.event_source AS event_source,
  s.event.ip_address AS ip_address,
  CASE WHEN rest = '{}' THEN NULL ELSE rest END AS extra,
  TRY_CAST(s.received_at AS TIMESTAMPTZ) AS received_at,
  s.ip AS ip,
  s.user_agent AS user_agent,
  s.api_key_id AS api_key_id,
  $partition::INTEGER AS kafka_partition,
  o AS kafka_offset
FROM raw
WHERE o IS NOT NULL AND s.event.event_id IS NOT NULL AND s.event.content_id IS NOT NULL
  AND TRY_CAST(s.event.timestamp AS TIMESTAMPTZ) IS NOT NULL
`;

// An event is a duplicate when its event_id appeared at an earlier offset of the same chunk or anywhere in the
// chunk before it (the "window"), among events of its schema. That rule depends only on the log and the chunk
// boundaries, so a replay drops exactly what the first run dropped; the first occurrence of an id is always kept.
const EVENTS_SQL = (table: string, from: string, media: boolean, window: string | null) => `
CREATE TEMP TABLE ${table} AS
SELECT c.* FROM ${from} c
JOIN (SELECT event_id, min(kafka_offset) AS first FROM ${from} GROUP BY event_id) f
  ON c.event_id = f.event_id AND c.kafka_offset = f.first
${window ? `WHERE c.event_id NOT IN (SELECT event_id FROM ${window} WHERE media = ${media})` : ''}
`;

const WINDOW_SQL = (name: string) => `
CREATE OR REPLACE TABLE ${name} AS
SELECT DISTINCT event_id, false AS media FROM candidates
UNION SELECT DISTINCT event_id, true AS media FROM media_candidates
`;

const SCHEMAS: { schema: LakeSchema; table: string; columns: readonly string[] }[] = [
  { schema: 'v1', table: 'events', columns: LAKE_COLUMNS },
  { schema: 'media', table: 'media_events', columns: MEDIA_COLUMNS },
];

/** The ids the chunk that starts at `next` is checked against: those of the chunk ending at `next - 1`. */
const windowTable = (partition: number, next: bigint) => `window_${partition}_${next}`;

export interface ChunkToWrite {
  partition: number;
  first: bigint;
  last: bigint;
  records: LakeRecord[];
}

export class ParquetChunkWriter {
  constructor(
    private readonly duckdb: DuckDBInstance,
    private readonly tmpDir: string,
  ) {}

  /**
   * Writes the chunk's files, de-duplicated against the window of the chunk before it if that window is loaded,
   * and leaves this chunk's ids as the window of the next one. Safe to repeat for the same chunk.
   */
  async write(chunk: ChunkToWrite): Promise<WrittenChunk> {
    const { partition } = chunk;
    const dir = await mkdtemp(join(this.tmpDir, `lake-${partition}-`));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    const connection = await this.duckdb.connect();
    try {
      await this.loadCandidates(connection, dir, partition, chunk.records);
      const window = windowTable(partition, chunk.first);
      const hasWindow = await this.tableExists(connection, window);
      await connection.run(EVENTS_SQL('events', 'candidates', false, hasWindow ? window : null));
      await connection.run(EVENTS_SQL('media_events', 'media_candidates', true, hasWindow ? window : null));
      const readable = await scalar(
        connection,
        'SELECT (SELECT count(*) FROM candidates) + (SELECT count(*) FROM media_candidates)',
      );
      const kept = await scalar(
        connection,
        'SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM media_events)',
      );

      const files: ParquetFile[] = [];
      for (const { schema, table, columns } of SCHEMAS) {
        const groups = await connection.runAndReadAll(`
          SELECT strftime("timestamp", '%Y-%m-%d') AS dt, hour("timestamp") AS hour,
                 min(kafka_offset) AS first, max(kafka_offset) AS last, count(*) AS rows
          FROM ${table} GROUP BY ALL ORDER BY dt, hour`);
        for (const g of groups.getRowObjectsJS()) {
          const f = {
            schema,
            dt: String(g.dt),
            hour: Number(g.hour),
            firstOffset: g.first as bigint,
            lastOffset: g.last as bigint,
          };
          const path = join(dir, `${schema}-${f.dt}-${f.hour}.parquet`);
          await connection.run(
            `COPY (SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ${table}
                   WHERE strftime("timestamp", '%Y-%m-%d') = $dt AND hour("timestamp") = $hour ORDER BY kafka_offset)
             TO '${path}' (FORMAT parquet, COMPRESSION zstd)`,
            { dt: f.dt, hour: f.hour },
          );
          files.push({ ...f, rows: Number(g.rows), path, bytes: (await stat(path)).size });
        }
      }

      const counts = await connection.runAndReadAll(`
        SELECT content_id AS video_id,
               coalesce(list_sort(list(DISTINCT session_id) FILTER (WHERE event_type = '${COUNTED.views}')), [])
                 AS view_sessions
        FROM events GROUP BY content_id HAVING len(view_sessions) > 0 ORDER BY content_id`);
      await connection.run(WINDOW_SQL(windowTable(partition, chunk.last + 1n)));
      return {
        files,
        counts: counts.getRowObjectsJS().map((c) => ({
          videoId: String(c.video_id),
          viewSessions: (c.view_sessions as unknown[]).map(String),
        })),
        duplicates: readable - kept,
        invalid: chunk.records.length - readable,
        cleanup,
      };
    } catch (err) {
      await cleanup();
      throw err;
    } finally {
      connection.closeSync();
    }
  }

  /** Whether the window for a chunk starting at `next` is loaded. */
  async hasWindow(partition: number, next: bigint): Promise<boolean> {
    const connection = await this.duckdb.connect();
    try {
      return await this.tableExists(connection, windowTable(partition, next));
    } finally {
      connection.closeSync();
    }
  }

  /** Loads the window for a chunk starting at `next` from the records of the chunk before it (after a restart). */
  async loadWindow(partition: number, next: bigint, records: LakeRecord[]): Promise<void> {
    const dir = await mkdtemp(join(this.tmpDir, `window-${partition}-`));
    const connection = await this.duckdb.connect();
    try {
      await this.loadCandidates(connection, dir, partition, records);
      await connection.run(WINDOW_SQL(windowTable(partition, next)));
    } finally {
      connection.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Drops the partition's windows for chunks starting before `next` (all of them without it). */
  async dropWindows(partition: number, next?: bigint): Promise<void> {
    const connection = await this.duckdb.connect();
    try {
      const tables = await connection.runAndReadAll(
        `SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND table_name LIKE 'window\\_${partition}\\_%' ESCAPE '\\'`,
      );
      for (const [name] of tables.getRowsJS()) {
        const start = BigInt(String(name).split('_')[2] ?? '0');
        if (next === undefined || start < next) await connection.run(`DROP TABLE IF EXISTS ${String(name)}`);
      }
    } finally {
      connection.closeSync();
    }
  }

  private async loadCandidates(connection: DuckDBConnection, dir: string, partition: number, records: LakeRecord[]) {
    const input = join(dir, 'records.ndjson');
    await writeNdjson(input, records);
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run(RECORDS_SQL, { path: input });
    await connection.run(CANDIDATES_SQL, { partition });
    await connection.run(MEDIA_CANDIDATES_SQL, { partition });
  }

  private async tableExists(connection: DuckDBConnection, name: string): Promise<boolean> {
    const r = await connection.runAndReadAll('SELECT count(*) FROM duckdb_tables() WHERE table_name = $name', { name });
    return Number(r.getRowsJS()[0]?.[0] ?? 0) > 0;
  }
}

async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  const reader = await connection.runAndReadAll(sql);
  return Number(reader.getRowsJS()[0]?.[0] ?? 0);
}

/** Each record on one line as {"o": offset, "r": value}; the value is spliced in as it came from Kafka. */
async function writeNdjson(path: string, records: LakeRecord[]): Promise<void> {
  const file = await open(path, 'w');
  try {
    const CLOSE = Buffer.from('}\n');
    let parts: Buffer[] = [];
    let size = 0;
    for (const r of records) {
      const head = Buffer.from(`{"o":${r.offset},"r":`);
      const value = oneLine(r.value);
      parts.push(head, value, CLOSE);
      size += head.length + value.length + CLOSE.length;
      if (size >= 1 << 20) {
        await file.write(Buffer.concat(parts, size));
        parts = [];
        size = 0;
      }
    }
    if (size > 0) await file.write(Buffer.concat(parts, size));
  } finally {
    await file.close();
  }
}

/**
 * JSON only allows a raw line feed as whitespace between tokens, so blanking it keeps a valid value valid (and an
 * invalid one invalid) while keeping the record on its own line. Our producer never writes one; others might.
 */
function oneLine(value: Buffer): Buffer {
  if (value.indexOf(0x0a) === -1) return value;
  const copy = Buffer.from(value);
  for (let i = copy.indexOf(0x0a); i !== -1; i = copy.indexOf(0x0a, i + 1)) copy[i] = 0x20;
  return copy;
}
