import { AppError } from '@reelforge/contracts';
import { createTestDatabase } from '@reelforge/testkit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.js';
import { createDb } from './db.client.js';
import { migrateToLatest } from './migrator.js';
import { UserRepository } from './user.repository.js';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Kysely<Database>;
let users: UserRepository;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDb({ url: testDb.url, poolSize: 2 });
  await migrateToLatest(db);
  users = new UserRepository(db);
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

describe('UserRepository', () => {
  it('stores the email lower-cased and finds the user by it in any case', async () => {
    const created = await users.create({ email: '  Ada@Example.COM ', passwordHash: '$argon2id$v=19$x' });
    expect(created.email).toBe('ada@example.com');
    expect(await users.findByEmail('ADA@example.com')).toEqual(created);
    expect(await users.findById(created.id)).toEqual(created);
    expect(await users.findByEmail('bob@example.com')).toBeNull();
  });

  it('refuses a second account for the same email with CONFLICT', async () => {
    await users.create({ email: 'grace@example.com', passwordHash: 'h1' });
    const err = await users.create({ email: 'GRACE@example.com', passwordHash: 'h2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).toJSON()).toEqual({
      code: 'CONFLICT',
      message: 'email already registered',
      retryable: false,
    });
    expect((await users.findByEmail('grace@example.com'))?.passwordHash).toBe('h1');
  });

  it('tells accented addresses apart', async () => {
    await users.create({ email: 'josé@example.com', passwordHash: 'h' });
    const plain = await users.create({ email: 'jose@example.com', passwordHash: 'h' });
    expect((await users.findByEmail('jose@example.com'))?.id).toBe(plain.id);
  });
});
