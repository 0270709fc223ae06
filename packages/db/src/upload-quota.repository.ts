// What a user's uploads hold right now, for the upload API's quotas: streamed uploads in flight (leases), open
// direct uploads and unfinished videos (from `videos`), and bytes reserved per UTC day. Reservations happen inside a
// transaction that first locks the user's row, so two replicas admitting the same user's uploads queue behind each
// other instead of both seeing room for one more.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './database.js';

export interface UploadUsage {
  /** Streamed uploads whose lease has not run out. */
  streaming: number;
  /** Direct uploads still awaiting their parts (`awaiting_upload`). */
  openDirect: number;
  /** Videos stored or on their way to being stored that are not yet ready: awaiting_upload, uploaded, queued, processing. */
  unfinished: number;
  /** Bytes reserved on `day`. */
  bytesToday: number;
}

const UNFINISHED = ['awaiting_upload', 'uploaded', 'queued', 'processing'] as const;

/** `YYYY-MM-DD` of `at` in UTC: the day a reservation counts against. */
export const usageDay = (at: Date): string => at.toISOString().slice(0, 10);

export class UploadQuotaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Locks the user's row until `tx` ends; false when there is no such user (a token outliving its account). */
  async lockUser(tx: Transaction<Database>, userId: string): Promise<boolean> {
    const row = await tx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
    return row !== undefined;
  }

  async usage(userId: string, now: Date, tx?: Transaction<Database>): Promise<UploadUsage> {
    const q = tx ?? this.db;
    const [leases, videos, bytes] = await Promise.all([
      q
        .selectFrom('uploadLeases')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('userId', '=', userId)
        .where('leaseUntil', '>', now)
        .executeTakeFirstOrThrow(),
      q
        .selectFrom('videos')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('ownerId', '=', userId)
        .where('status', 'in', UNFINISHED)
        .groupBy('status')
        .execute(),
      q
        .selectFrom('uploadUsage')
        .select('bytes')
        .where('userId', '=', userId)
        .where('day', '=', usageDay(now))
        .executeTakeFirst(),
    ]);
    const streaming = Number(leases.n);
    const openDirect = Number(videos.find((v) => v.status === 'awaiting_upload')?.n ?? 0);
    const stored = videos.reduce((sum, v) => sum + Number(v.n), 0);
    return { streaming, openDirect, unfinished: stored + streaming, bytesToday: Number(bytes?.bytes ?? 0) };
  }

  /** Adds `bytes` to the user's reservation of `day` (`YYYY-MM-DD`). */
  async reserveBytes(tx: Transaction<Database>, userId: string, day: string, bytes: number): Promise<void> {
    if (bytes <= 0) return;
    await tx
      .insertInto('uploadUsage')
      .values({ userId, day, bytes })
      .onDuplicateKeyUpdate({ bytes: sql`bytes + ${bytes}` })
      .execute();
  }

  /** Gives back what a reservation did not use; never below zero. */
  async returnBytes(userId: string, day: string, bytes: number, tx?: Transaction<Database>): Promise<void> {
    if (bytes <= 0) return;
    await (tx ?? this.db)
      .updateTable('uploadUsage')
      .set({ bytes: sql`bytes - LEAST(bytes, ${bytes})` })
      .where('userId', '=', userId)
      .where('day', '=', day)
      .execute();
  }

  /** Drops the user's leases that ran out (a replica died mid-upload) so the table does not grow. */
  async dropExpiredLeases(tx: Transaction<Database>, userId: string, now: Date): Promise<void> {
    await tx.deleteFrom('uploadLeases').where('userId', '=', userId).where('leaseUntil', '<=', now).execute();
  }

  async openLease(tx: Transaction<Database>, lease: { id: string; userId: string; leaseUntil: Date }): Promise<void> {
    await tx.insertInto('uploadLeases').values(lease).execute();
  }

  async renewLease(id: string, leaseUntil: Date): Promise<void> {
    await this.db.updateTable('uploadLeases').set({ leaseUntil }).where('id', '=', id).execute();
  }

  async closeLease(id: string, tx?: Transaction<Database>): Promise<void> {
    await (tx ?? this.db).deleteFrom('uploadLeases').where('id', '=', id).execute();
  }
}
