// Accounts: sign-up and the two look-ups login and authorisation need.
import { randomUUID } from 'node:crypto';
import { AppError } from '@reelforge/contracts';
import type { Kysely, Transaction } from 'kysely';
import type { Database, User } from './database.js';
import { isDuplicateKey } from './mysql.errors.js';

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const DISPLAY_NAME_MAX = 64;

/**
 * The name a user gets when they choose none: the email's local part (never the domain, so the address cannot be
 * read back), without control characters, at most DISPLAY_NAME_MAX characters.
 */
export function defaultDisplayName(email: string): string {
  const at = email.lastIndexOf('@');
  const local = (at === -1 ? email : email.slice(0, at))
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is what it is for.
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim();
  return [...local].slice(0, DISPLAY_NAME_MAX).join('') || 'user';
}

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Throws AppError CONFLICT when the email is already registered (in any letter case). */
  async create(
    input: { email: string; passwordHash: string; displayName?: string | undefined; id?: string },
    tx?: Transaction<Database>,
  ): Promise<User> {
    const email = normalizeEmail(input.email);
    const user: User = {
      id: input.id ?? randomUUID(),
      email,
      passwordHash: input.passwordHash,
      displayName: input.displayName ?? defaultDisplayName(email),
      createdAt: new Date(),
    };
    try {
      await (tx ?? this.db).insertInto('users').values(user).execute();
    } catch (err) {
      if (isDuplicateKey(err)) throw new AppError('CONFLICT', 'email already registered', { cause: err });
      throw err;
    }
    return user;
  }

  async findByEmail(email: string, tx?: Transaction<Database>): Promise<User | null> {
    const row = await (tx ?? this.db)
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst();
    return row ?? null;
  }

  /** Returns the user as changed, or null when there is no such user. */
  async setDisplayName(id: string, displayName: string, tx?: Transaction<Database>): Promise<User | null> {
    await (tx ?? this.db).updateTable('users').set({ displayName }).where('id', '=', id).execute();
    return this.findById(id, tx);
  }

  async findById(id: string, tx?: Transaction<Database>): Promise<User | null> {
    const row = await (tx ?? this.db).selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ?? null;
  }
}
