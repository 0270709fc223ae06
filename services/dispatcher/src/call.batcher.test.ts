import { describe, expect, it } from 'vitest';
import { CallBatcher } from './call.batcher.js';

/** A run that records each batch and waits for the test to let it finish. */
function gatedRun() {
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  const run = async (items: string[]) => {
    batches.push(items);
    await new Promise<void>((r) => gates.push(r));
    if (items.includes('bad')) throw new Error('bad item');
    return items.map((i) => i.toUpperCase());
  };
  const open = async () => {
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
    gates.shift()?.();
  };
  return { batches, run, open };
}

describe('CallBatcher', () => {
  it('runs a lone call at once and batches what queues behind a running batch', async () => {
    const { batches, run, open } = gatedRun();
    const batcher = new CallBatcher({ run, maxBatch: 10 });
    const first = batcher.submit('a');
    const rest = ['b', 'c', 'd'].map((i) => batcher.submit(i));
    expect(batches).toEqual([['a']]);
    await open();
    expect(await first).toBe('A');
    await open();
    expect(await Promise.all(rest)).toEqual(['B', 'C', 'D']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('caps a batch at maxBatch and keeps equal keys in separate batches, in order', async () => {
    const { batches, run, open } = gatedRun();
    const batcher = new CallBatcher({ run, maxBatch: 3, keyOf: (i: string) => i[0] ?? '' });
    const all = ['x', 'a1', 'a2', 'b1', 'c1', 'd1'].map((i) => batcher.submit(i));
    for (let i = 0; i < 3; i++) await open();
    expect(await Promise.all(all)).toEqual(['X', 'A1', 'A2', 'B1', 'C1', 'D1']);
    expect(batches).toEqual([['x'], ['a1', 'b1', 'c1'], ['a2', 'd1']]);
  });

  it('reruns a failed batch one item at a time, so only the bad item fails', async () => {
    const { batches, run, open } = gatedRun();
    const batcher = new CallBatcher({ run, maxBatch: 10 });
    const first = batcher.submit('x');
    const calls = ['a', 'bad', 'b'].map((i) => batcher.submit(i).catch((e: Error) => e.message));
    for (let i = 0; i < 5; i++) await open();
    expect(await first).toBe('X');
    expect(await Promise.all(calls)).toEqual(['A', 'bad item', 'B']);
    expect(batches).toEqual([['x'], ['a', 'bad', 'b'], ['a'], ['bad'], ['b']]);
  });

  it('fails every call of a run that returns the wrong number of results', async () => {
    const batcher = new CallBatcher({ run: async (items: string[]) => items.slice(1), maxBatch: 10 });
    await expect(batcher.submit('a')).rejects.toThrow('0 results for 1 items');
  });
});
