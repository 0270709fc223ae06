import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.hasher.js';

// Cheap parameters: these tests check the format and the comparison, not scrypt's strength.
const fast = { N: 1024, r: 8, p: 1 };

describe('password hashing', () => {
  it('stores parameters, salt and hash, never the password', async () => {
    const stored = await hashPassword('correct horse battery staple', fast);
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    expect([scheme, n, r, p]).toEqual(['scrypt', '1024', '8', '1']);
    expect(Buffer.from(salt as string, 'base64url').length).toBe(16);
    expect(Buffer.from(hash as string, 'base64url').length).toBe(64);
    expect(stored).not.toContain('horse');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple', fast);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  it('salts: the same password hashes differently twice', async () => {
    expect(await hashPassword('same', fast)).not.toBe(await hashPassword('same', fast));
  });

  it('refuses a stored value of another scheme', async () => {
    expect(await verifyPassword('x', 'bcrypt$2b$10$abc')).toBe(false);
  });

  it('uses scrypt with N=2^15 by default', async () => {
    expect((await hashPassword('x')).split('$').slice(0, 4)).toEqual(['scrypt', '32768', '8', '1']);
  });
});
