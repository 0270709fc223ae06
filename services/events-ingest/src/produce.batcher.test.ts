import { describe, expect, it } from 'vitest';
import type { EventMessage } from './kafka.sender.js';
import { ProduceBatcher } from './produce.batcher.js';

const msg = (value: string): EventMessage => ({ key: '', value: Buffer.from(value) });

/** A send whose completion the test controls. */
function controlledSend() {
  const calls: { values: string[]; done: (err?: Error) => void }[] = [];
  const send = (messages: EventMessage[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ values: messages.map((m) => m.value.toString()), done: (err) => (err ? reject(err) : resolve()) });
    });
  return { send, calls };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ProduceBatcher', () => {
  it('sends the first publish at once and coalesces what arrives while it is in flight', async () => {
    const { send, calls } = controlledSend();
    const b = new ProduceBatcher(send, { maxBatchBytes: 100, maxPendingBytes: 1000 });
    const p1 = b.publish([msg('a')]);
    const p2 = b.publish([msg('b')]);
    const p3 = b.publish([msg('c'), msg('d')]);
    expect(calls.map((c) => c.values)).toEqual([['a']]);
    calls[0]?.done();
    await p1;
    await tick();
    expect(calls.map((c) => c.values)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1]?.done();
    await Promise.all([p2, p3]);
    expect(b.pending).toEqual({ bytes: 0, pieces: 0 });
  });

  it('resolves a publish only when all of its pieces are acknowledged', async () => {
    const { send, calls } = controlledSend();
    const b = new ProduceBatcher(send, { maxBatchBytes: 2, maxPendingBytes: 1000 });
    let resolved = false;
    const p = b.publish([msg('a'), msg('b'), msg('c')]).then(() => {
      resolved = true;
    });
    expect(calls.map((c) => c.values)).toEqual([['a', 'b']]);
    calls[0]?.done();
    await tick();
    expect(resolved).toBe(false);
    expect(calls.map((c) => c.values)).toEqual([['a', 'b'], ['c']]);
    calls[1]?.done();
    await p;
    expect(resolved).toBe(true);
  });

  it('fails only the publications whose send failed', async () => {
    const { send, calls } = controlledSend();
    const b = new ProduceBatcher(send, { maxBatchBytes: 100, maxPendingBytes: 1000 });
    const p1 = b.publish([msg('a')]);
    const p2 = b.publish([msg('b')]);
    calls[0]?.done(new Error('broker down'));
    await expect(p1).rejects.toThrow('broker down');
    await tick();
    calls[1]?.done();
    await expect(p2).resolves.toBeUndefined();
  });

  it('refuses with RATE_LIMITED when too much is waiting for acknowledgement', async () => {
    const { send, calls } = controlledSend();
    const b = new ProduceBatcher(send, { maxBatchBytes: 100, maxPendingBytes: 5 });
    const p1 = b.publish([msg('abcd')]);
    await expect(b.publish([msg('ef')])).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    calls[0]?.done();
    await p1;
    // Once acknowledged, the room is back.
    const p2 = b.publish([msg('ef')]);
    calls[1]?.done();
    await p2;
  });

  it('flush() waits until the queue is empty', async () => {
    const { send, calls } = controlledSend();
    const b = new ProduceBatcher(send, { maxBatchBytes: 100, maxPendingBytes: 1000 });
    void b.publish([msg('a')]);
    void b.publish([msg('b')]);
    let flushed = false;
    const f = b.flush().then(() => {
      flushed = true;
    });
    calls[0]?.done();
    await tick();
    expect(flushed).toBe(false);
    calls[1]?.done();
    await f;
    expect(flushed).toBe(true);
  });
});
