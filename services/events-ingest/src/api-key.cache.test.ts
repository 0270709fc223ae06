import { describe, expect, it } from 'vitest';
import { ApiKeyCache } from './api-key.cache.js';

function fakeStore(ids: Record<string, string>) {
  const calls: string[] = [];
  return {
    calls,
    ids,
    authenticate: async (key: string) => {
      calls.push(key);
      return ids[key] ?? null;
    },
  };
}

describe('ApiKeyCache', () => {
  it('asks the store once per key within the TTL, and again after it (a revoke shows then)', async () => {
    let now = 1000;
    const store = fakeStore({ a: 'id-a' });
    const cache = new ApiKeyCache(store, 5000, 100, () => now);
    expect(await Promise.all([cache.authenticate('a'), cache.authenticate('a')])).toEqual(['id-a', 'id-a']);
    expect(await cache.authenticate('b')).toBeNull();
    expect(await cache.authenticate('b')).toBeNull();
    expect(store.calls).toEqual(['a', 'b']);
    delete store.ids.a;
    now += 4999;
    expect(await cache.authenticate('a')).toBe('id-a');
    now += 1;
    expect(await cache.authenticate('a')).toBeNull();
    expect(store.calls).toEqual(['a', 'b', 'a']);
  });

  it('does not keep a failed lookup, and stays within its size', async () => {
    let fail = true;
    const cache = new ApiKeyCache(
      {
        authenticate: async (key) => {
          if (fail) throw new Error('db down');
          return key;
        },
      },
      60_000,
      2,
    );
    await expect(cache.authenticate('x')).rejects.toThrow('db down');
    fail = false;
    expect(await cache.authenticate('x')).toBe('x');
    await cache.authenticate('y');
    await cache.authenticate('z');
    expect((cache as unknown as { entries: Map<string, unknown> }).entries.size).toBe(2);
  });
});
