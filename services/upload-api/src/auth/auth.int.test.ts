// Register and login against the real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../api.harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const post = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, payload: payload as object });

describe('accounts', () => {
  it('registers, logs in with any letter case of the email, and the token opens the API', async () => {
    const reg = await post('/v1/auth/register', { email: 'Carol@Example.com', password: 'correct horse battery' });
    expect(reg.statusCode).toBe(201);
    expect(reg.json()).toMatchObject({ expiresInSec: 3600 });
    const login = await post('/v1/auth/login', { email: 'carol@example.COM', password: 'correct horse battery' });
    expect(login.statusCode).toBe(200);
    const res = await h.app.inject({
      method: 'GET',
      url: '/v1/videos',
      headers: { authorization: `Bearer ${login.json().token}` },
    });
    expect([res.statusCode, res.json()]).toEqual([200, { items: [], nextCursor: null }]);
  });

  it('stores a scrypt hash, never the password', async () => {
    await post('/v1/auth/register', { email: 'dave@example.com', password: 'plain text is never stored' });
    const row = await h.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', 'dave@example.com')
      .executeTakeFirstOrThrow();
    expect(row.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(JSON.stringify(row)).not.toContain('plain text');
  });

  it('refuses a second account for the same email with 409 CONFLICT', async () => {
    await post('/v1/auth/register', { email: 'erin@example.com', password: 'first password' });
    const again = await post('/v1/auth/register', { email: 'ERIN@example.com', password: 'second password' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'CONFLICT']);
  });

  it('answers a wrong password and an unknown email the same way: 401', async () => {
    await post('/v1/auth/register', { email: 'frank@example.com', password: 'the right one' });
    const wrong = await post('/v1/auth/login', { email: 'frank@example.com', password: 'the wrong one' });
    const unknown = await post('/v1/auth/login', { email: 'nobody@example.com', password: 'the right one' });
    expect([wrong.statusCode, wrong.json().code, wrong.json().detail]).toEqual([
      401,
      'UNAUTHORIZED',
      'wrong email or password',
    ]);
    expect(unknown.json()).toEqual({ ...wrong.json() });
  });
});
