// API keys of the operator's analytics senders. A key is `rfk_` and 43 base64url characters (256 random bits); only
// its SHA-256 is stored, so the table leaks nothing a sender could use, and lookup is one unique-index read.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';

export const API_KEY_PREFIX = 'rfk_';
const API_KEY = /^rfk_[A-Za-z0-9_-]{43}$/;

export const isApiKeyShaped = (key: string): boolean => API_KEY.test(key);
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export interface ApiKeyInfo {
  id: string;
  name: string;
  keyPrefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export class ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The key is returned this once and never again. */
  async create(name: string): Promise<{ id: string; key: string }> {
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const id = randomUUID();
    await this.db
      .insertInto('apiKeys')
      .values({ id, name, keyHash: hashApiKey(key), keyPrefix: key.slice(0, 12) })
      .execute();
    return { id, key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    return this.db
      .selectFrom('apiKeys')
      .select(['id', 'name', 'keyPrefix', 'createdAt', 'revokedAt'])
      .orderBy('createdAt')
      .orderBy('id')
      .execute();
  }

  /** False when there is no such key or it was revoked already. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('apiKeys')
      .set({ revokedAt: sql<Date>`CURRENT_TIMESTAMP(3)` })
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The id of the active key, or null for an unknown, malformed or revoked one. */
  async authenticate(key: string): Promise<string | null> {
    if (!isApiKeyShaped(key)) return null;
    const row = await this.db
      .selectFrom('apiKeys')
      .select('id')
      .where('keyHash', '=', hashApiKey(key))
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return row?.id ?? null;
  }
}
