// Schema migrations, run by `dist/migrate.js` or by a service at start-up. The migrations are imported modules, not
// files found at run time, so they work from dist/, a bundle or a pruned Docker image alike.
import { type Kysely, type Migration, type MigrationResultSet, Migrator, NO_MIGRATIONS } from 'kysely';
import type { Database } from './database.js';
import * as users from './migrations/0001-users.migration.js';
import * as videos from './migrations/0002-videos.migration.js';
import * as renditions from './migrations/0003-renditions.migration.js';
import * as transcodeJobs from './migrations/0004-transcode-jobs.migration.js';
import * as outbox from './migrations/0005-outbox.migration.js';
import * as engagement from './migrations/0006-engagement.migration.js';
import * as uploadExpiryIndex from './migrations/0007-upload-expiry-index.migration.js';
import * as uploadQuotas from './migrations/0008-upload-quotas.migration.js';
import * as launchCapacity from './migrations/0009-launch-capacity.migration.js';
import * as videoViews from './migrations/0010-video-views.migration.js';
import * as jobToken from './migrations/0011-job-token.migration.js';
import * as viewer from './migrations/0012-viewer.migration.js';
import * as webhooks from './migrations/0013-webhooks.migration.js';
import * as analytics from './migrations/0014-analytics.migration.js';
import * as chunkedJobs from './migrations/0015-chunked-jobs.migration.js';

/** Every migration, by the name recorded in `kysely_migration`. Names sort in the order they apply. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_users': users,
  '0002_videos': videos,
  '0003_renditions': renditions,
  '0004_transcode_jobs': transcodeJobs,
  '0005_outbox': outbox,
  '0006_engagement': engagement,
  '0007_upload_expiry_index': uploadExpiryIndex,
  '0008_upload_quotas': uploadQuotas,
  '0009_launch_capacity': launchCapacity,
  '0010_video_views': videoViews,
  '0011_job_token': jobToken,
  '0012_viewer': viewer,
  '0013_webhooks': webhooks,
  '0014_analytics': analytics,
  '0015_chunked_jobs': chunkedJobs,
};

export interface MigrationStep {
  name: string;
  direction: 'Up' | 'Down';
  status: 'Success' | 'Error' | 'NotExecuted';
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly steps: MigrationStep[],
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'MigrationError';
  }
}

// Without the CamelCasePlugin: Kysely's own bookkeeping tables must be read as they are.
const migrator = (db: Kysely<Database>) =>
  new Migrator({ db: db.withoutPlugins(), provider: { getMigrations: async () => ({ ...migrations }) } });

async function run(what: string, resultSet: Promise<MigrationResultSet>): Promise<MigrationStep[]> {
  const { error, results = [] } = await resultSet;
  const steps = results.map((r) => ({ name: r.migrationName, direction: r.direction, status: r.status }));
  if (error !== undefined) {
    const failed = steps.find((s) => s.status === 'Error');
    const reason = error instanceof Error ? error.message : String(error);
    const where = failed ? `migration ${failed.name} (${failed.direction.toLowerCase()})` : what;
    throw new MigrationError(`${where} failed: ${reason}`, steps, error);
  }
  return steps;
}

/** Applies every pending migration; returns what ran (empty when already up to date). */
export const migrateToLatest = (db: Kysely<Database>) => run('migrate to latest', migrator(db).migrateToLatest());

/** Reverts the last applied migration. */
export const migrateDown = (db: Kysely<Database>) => run('migrate down', migrator(db).migrateDown());

/** Reverts every migration: an empty schema. */
export const migrateToNone = (db: Kysely<Database>) => run('migrate to none', migrator(db).migrateTo(NO_MIGRATIONS));

export async function migrationStatus(db: Kysely<Database>): Promise<{ name: string; executedAt: Date | null }[]> {
  const infos = await migrator(db).getMigrations();
  return infos.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
}

export const migrateCommands = ['up', 'down', 'status'] as const;
export type MigrateCommand = (typeof migrateCommands)[number];
export const isMigrateCommand = (s: string | undefined): s is MigrateCommand =>
  (migrateCommands as readonly (string | undefined)[]).includes(s);

/** What `migrate.js <command>` does, as lines for the operator. */
export async function runMigrateCommand(db: Kysely<Database>, command: MigrateCommand): Promise<string[]> {
  switch (command) {
    case 'up': {
      const steps = await migrateToLatest(db);
      return steps.length > 0 ? steps.map((s) => `applied  ${s.name}`) : ['schema is up to date'];
    }
    case 'down': {
      const steps = await migrateDown(db);
      return steps.length > 0 ? steps.map((s) => `reverted ${s.name}`) : ['nothing to revert'];
    }
    case 'status':
      return (await migrationStatus(db)).map((m) =>
        m.executedAt ? `applied  ${m.name}  ${m.executedAt.toISOString()}` : `pending  ${m.name}`,
      );
  }
}
