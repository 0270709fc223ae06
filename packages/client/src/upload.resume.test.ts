import { describe, expect, it } from 'vitest';
import { type KeyValueStorage, resumeKey, resumeStore } from './upload.resume.js';

const file = (name: string, size: number, lastModified?: number) => ({
  name,
  size,
  type: 'video/mp4',
  slice: () => new Blob([]),
  ...(lastModified !== undefined && { lastModified }),
});

function memoryStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

describe('resumeKey', () => {
  it('names the file by name, size and modification time', () => {
    expect(resumeKey(file('my clip.mp4', 1234, 1700000000000))).toBe(
      'reelforge.upload.my%20clip.mp4:1234:1700000000000',
    );
    expect(resumeKey(file('a:b.mp4', 5))).toBe('reelforge.upload.a%3Ab.mp4:5:0');
  });
});

describe('resumeStore', () => {
  it('finds the id remembered for the same file and nothing for another, until forgotten', () => {
    const storage = memoryStorage();
    const store = resumeStore(storage);
    store.remember(file('a.mp4', 10, 1), 'up-1');
    expect(store.find(file('a.mp4', 10, 1))).toBe('up-1');
    expect(store.find(file('a.mp4', 11, 1))).toBeUndefined();
    expect(store.find(file('a.mp4', 10, 2))).toBeUndefined();
    store.forget(file('a.mp4', 10, 1));
    expect(store.find(file('a.mp4', 10, 1))).toBeUndefined();
    expect(storage.map.size).toBe(0);
  });

  it('gives up quietly when storage refuses', () => {
    const refusing: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const store = resumeStore(refusing);
    expect(() => store.remember(file('a.mp4', 1), 'x')).not.toThrow();
    expect(store.find(file('a.mp4', 1))).toBeUndefined();
    expect(() => store.forget(file('a.mp4', 1))).not.toThrow();
  });
});
