import { describe, expect, it } from 'vitest';
import { LaunchSlots, type Slot } from './launch.slots.js';

describe('LaunchSlots', () => {
  it('hands out up to the limit, then reports full', () => {
    const slots = new LaunchSlots(2);
    const a = slots.tryAcquire();
    const b = slots.tryAcquire();
    expect([a !== null, b !== null, slots.full, slots.tryAcquire()]).toEqual([true, true, true, null]);
    a?.release();
    a?.release(); // a second release changes nothing
    expect([slots.inUse, slots.full]).toEqual([1, false]);
  });

  it('tells listeners only when fullness changes', () => {
    const slots = new LaunchSlots(1);
    const seen: boolean[] = [];
    slots.onChange((full) => seen.push(full));
    const a = slots.tryAcquire();
    a?.release();
    const b = slots.tryAcquire();
    b?.release();
    expect(seen).toEqual([true, false, true, false]);
  });

  it('passes a released slot straight to the first waiter, without flapping to not-full', async () => {
    const slots = new LaunchSlots(1);
    const seen: boolean[] = [];
    slots.onChange((full) => seen.push(full));
    const first = await slots.acquire();
    const order: string[] = [];
    const noting = (name: string) => (slot: Slot) => {
      order.push(name);
      return slot;
    };
    const second = slots.acquire().then(noting('second'));
    const third = slots.acquire().then(noting('third'));
    first.release();
    (await second).release();
    (await third).release();
    expect(order).toEqual(['second', 'third']);
    expect(seen).toEqual([true, false]);
    expect(slots.inUse).toBe(0);
  });

  it('gives up waiting when the signal aborts, and the waiter takes no slot', async () => {
    const slots = new LaunchSlots(1);
    const held = slots.tryAcquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    held?.release();
    expect(slots.inUse).toBe(0);
  });

  it('is unbounded with an infinite limit', () => {
    const slots = new LaunchSlots(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1000; i++) expect(slots.tryAcquire()).not.toBeNull();
    expect(slots.full).toBe(false);
  });
});
