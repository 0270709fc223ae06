// Applies the per-user quotas: reads the usage in a transaction that locks the user's row, asks the policy, and
// reserves in that same transaction — before a byte is stored. A streamed upload holds a lease it renews while its
// bytes flow and gives back, with the bytes it did not use, when it ends.
import { randomUUID } from 'node:crypto';
import { AppError } from '@reelforge/contracts';
import { type Database, type Kysely, type Transaction, type UploadQuotaRepository, usageDay } from '@reelforge/db';
import type { Logger } from 'pino';
import { decideUpload, type QuotaLimits, type QuotaVerdict, type UploadRequest } from './upload-quota.policy.js';

export interface UploadQuotaDeps {
  db: Kysely<Database>;
  quotas: UploadQuotaRepository;
  limits: QuotaLimits;
  maxUploadBytes: number;
  logger: Logger;
  /** How long a stream's lease lasts without renewal; it is renewed every third of this. */
  leaseMs?: number;
  now?: () => Date;
}

export interface StreamReservation {
  /** The most the file may bring: what the quota reserved. */
  readonly maxBytes: number;
  /** Ends the lease and gives back the reserved bytes beyond `usedBytes`. Safe to call more than once. */
  release(usedBytes: number): Promise<void>;
}

export class UploadQuotaService {
  private readonly now: () => Date;
  private readonly leaseMs: number;

  constructor(private readonly deps: UploadQuotaDeps) {
    this.now = deps.now ?? (() => new Date());
    this.leaseMs = deps.leaseMs ?? 60_000;
  }

  /** For POST /v1/videos, before its body is read. `declaredBytes` is the Content-Length, when there is one. */
  async reserveStream(userId: string, declaredBytes: number | null): Promise<StreamReservation> {
    const id = randomUUID();
    const now = this.now();
    const day = usageDay(now);
    const request: UploadRequest = {
      kind: 'stream',
      bytes: declaredBytes === null ? null : Math.min(declaredBytes, this.deps.maxUploadBytes),
      atMost: this.deps.maxUploadBytes,
    };
    const reserved = await this.deps.db.transaction().execute(async (tx) => {
      const bytes = await this.admit(tx, userId, request, now);
      await this.deps.quotas.dropExpiredLeases(tx, userId, now);
      await this.deps.quotas.openLease(tx, { id, userId, leaseUntil: new Date(now.getTime() + this.leaseMs) });
      return bytes;
    });
    const renew = setInterval(() => {
      this.deps.quotas
        .renewLease(id, new Date(this.now().getTime() + this.leaseMs))
        .catch((err: unknown) => this.deps.logger.warn({ err, leaseId: id }, 'could not renew an upload lease'));
    }, this.leaseMs / 3);
    renew.unref();
    let released = false;
    return {
      maxBytes: reserved,
      release: async (usedBytes) => {
        if (released) return;
        released = true;
        clearInterval(renew);
        await this.deps.db.transaction().execute(async (tx) => {
          await this.deps.quotas.closeLease(id, tx);
          // An unknown use keeps the whole reservation: counting too much is the safe side.
          const unused = Number.isFinite(usedBytes) ? reserved - Math.max(0, usedBytes) : 0;
          await this.deps.quotas.returnBytes(userId, day, unused, tx);
        });
      },
    };
  }

  /** For POST /v1/uploads, before anything is opened in S3: refuses early, reserves nothing. */
  async checkDirect(userId: string, bytes: number): Promise<void> {
    const now = this.now();
    this.enforce(decideUpload(await this.deps.quotas.usage(userId, now), this.deps.limits, this.direct(bytes), now));
  }

  /** Inside the transaction that records the direct upload, so the count and the new row commit together. */
  async admitDirect(tx: Transaction<Database>, userId: string, bytes: number): Promise<void> {
    await this.admit(tx, userId, this.direct(bytes), this.now());
  }

  private direct(bytes: number): UploadRequest {
    return { kind: 'direct', bytes, atMost: this.deps.maxUploadBytes };
  }

  /** Locks the user, decides, reserves the bytes; returns how many. */
  private async admit(tx: Transaction<Database>, userId: string, req: UploadRequest, now: Date): Promise<number> {
    if (!(await this.deps.quotas.lockUser(tx, userId))) {
      throw new AppError('UNAUTHORIZED', 'a valid bearer token is required');
    }
    const verdict = decideUpload(await this.deps.quotas.usage(userId, now, tx), this.deps.limits, req, now);
    this.enforce(verdict);
    await this.deps.quotas.reserveBytes(tx, userId, usageDay(now), verdict.reserveBytes);
    return verdict.reserveBytes;
  }

  private enforce(verdict: QuotaVerdict): asserts verdict is Extract<QuotaVerdict, { allowed: true }> {
    if (verdict.allowed) return;
    throw new AppError('QUOTA_EXCEEDED', verdict.message, {
      ...(verdict.retryAfterSec === undefined ? {} : { retryAfterSec: verdict.retryAfterSec }),
    });
  }
}
