import { describe, expect, it } from 'vitest';
import { forEachInSlices } from './slices.js';

describe('forEachInSlices', () => {
  it('visits every item in order and lets the event loop turn after every slice', async () => {
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: number[] = [];
    const turnAt: number[] = [];
    await forEachInSlices(
      Array.from({ length: 1000 }, (_, i) => i),
      (i) => {
        seen.push(i);
        turnAt.push(turns);
      },
      100,
    );
    ticking = false;
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // Items 0-99 ran in one turn, 100-199 in a later one, and so on.
    expect(new Set(turnAt).size).toBeGreaterThanOrEqual(10);
    expect(turnAt[99]).toBe(turnAt[0]);
    expect(turnAt[100]).toBeGreaterThan(turnAt[99] as number);
  });
});
