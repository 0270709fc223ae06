// Accounts: sign-up and the two look-ups login and authorisation need.
import { randomUUID } from 'node:crypto';
import { AppError } from '@reelforge/contracts';
import type { Kysely, Transaction } from 'kysely';
import type { Database, User } from './database.js';
import { isDuplicateKey } from './mysql.errors.js';

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Throws AppError CONFLICT when the email is already registered (in any letter case). */
  async create(input: { email: string; passwordHash: string; id?: string }, tx?: Transaction<Database>): Promise<User> {
    const user: User = {
      id: input.id ?? randomUUID(),
      email: normalizeEmail(input.email),
      passwordHash: input.passwordHash,
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

  async findById(id: string, tx?: Transaction<Database>): Promise<User | null> {
    const row = await (tx ?? this.db).selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ?? null;
  }
}
