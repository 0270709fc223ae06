// @reelforge/db: the MySQL 8 / MariaDB 10.11 schema, its migrations and the typed repositories services use.
//
// Transactions — one convention for every repository:
// - A repository is built once on the pool: `new VideoRepository(db)` with `db = createDb(...)`.
// - A method whose FIRST parameter is `tx: Transaction<Database>` is a step of a larger unit of work and only runs
//   inside the caller's `db.transaction().execute(async (tx) => …)` (create a video with its outbox message,
//   markReady + replaceForVideo + markFinished, claimBatch/findOverdue whose locks last until commit).
// - Every other method is one atomic statement on the pool. Its optional LAST parameter `tx` joins a caller's
//   transaction instead, e.g. `videos.transition(id, ['uploaded'], 'queued', {}, tx)` beside `outbox.add(tx, …)`.
// - State changes are compare-and-set: they return false (or null) when the row was not in a state that allows the
//   change — another replica or a stale message got there first. That is an outcome to handle, not an error.
// - A unit of work of several statements runs through `transaction(db, async (tx) => …)` (transaction.runner.ts),
//   which re-runs it on a deadlock, a lock wait timeout or a lost connection: keep such functions free of effects
//   outside the database.
// - Sessions run at READ COMMITTED in UTC (see db.client.ts).

export type { Kysely, Transaction } from 'kysely';
export * from './api-key.repository.js';
export * from './attempt.failure.js';
export * from './database.js';
export * from './db.client.js';
export * from './job.repository.js';
export * from './job.state.js';
export * from './job.token.js';
export * from './like.repository.js';
export * from './migrator.js';
export * from './mysql.errors.js';
export * from './outbox.repository.js';
export * from './part.repository.js';
export * from './part.state.js';
export * from './recommendation.repository.js';
export * from './rendition.repository.js';
export * from './transaction.runner.js';
export * from './upload-quota.repository.js';
export * from './user.repository.js';
export * from './video.cursor.js';
export * from './video.repository.js';
export * from './video.state.js';
export * from './webhook.repository.js';
