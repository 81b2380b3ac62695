import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TurnPacer } from './turn-pacer.js';

describe('TurnPacer', () => {
  it('runs at most perTurn calls per event-loop turn, the rest in order in later turns', async () => {
    const pacer = new TurnPacer(3);
    const ran: number[] = [];
    for (let i = 0; i < 8; i++) pacer.run(() => ran.push(i));
    expect(ran).toEqual([0, 1, 2]);
    expect(pacer.pending).toBe(5);
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5]);
    // A call made while others wait goes behind them, even with room left in its turn.
    pacer.run(() => ran.push(8));
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(pacer.pending).toBe(0);
    await nextTurn();
    // A new turn has the whole budget again.
    for (let i = 9; i < 12; i++) pacer.run(() => ran.push(i));
    expect(ran.slice(-3)).toEqual([9, 10, 11]);
  });

  it('lets timers run between the batches', async () => {
    const pacer = new TurnPacer(2);
    const order: string[] = [];
    // Each call holds the loop for 2 ms, so the 1 ms timer is due after the first batch.
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    setTimeout(() => order.push('timer'), 1);
    // Until the last call ran, not a fixed 20 ms: a loaded machine that stops this process for
    // longer would end such a wait before the third turn.
    let allRan!: () => void;
    const done = new Promise<void>((r) => {
      allRan = r;
    });
    for (let i = 0; i < 6; i++)
      pacer.run(() => {
        busy(2);
        order.push(`call${i}`);
        if (i === 5) allRan();
      });
    await done;
    expect(order.slice(0, 2)).toEqual(['call0', 'call1']);
    // The timer does not wait for all six calls.
    expect(order.indexOf('timer')).toBeLessThan(6);
    expect(order.filter((o) => o.startsWith('call'))).toHaveLength(6);
  });

  it('refuses a budget below one', () => {
    expect(() => new TurnPacer(0)).toThrow('perTurn must be an integer of at least 1, got 0');
  });
});
