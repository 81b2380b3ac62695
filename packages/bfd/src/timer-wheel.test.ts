import { describe, expect, it } from 'vitest';
import { GRID_MS, TimerWheel } from './timer-wheel.js';

describe('TimerWheel', () => {
  it('joins a wake-up already planned inside a timer window instead of adding one', () => {
    let now = 1_000_001; // off the grid
    const wheel = new TimerWheel(() => now);
    const a = wheel.set(() => {}, 100, 130);
    // The last grid time inside [now+100, now+130].
    expect(a.at).toBe(Math.floor((now + 130) / GRID_MS) * GRID_MS);
    const b = wheel.set(() => {}, 90, 125);
    expect(b.at).toBe(a.at);
    expect(wheel.wakeups).toBe(1);
    // A window with no planned wake-up and no grid time inside ends where it must.
    now = 1_000_003;
    const c = wheel.set(() => {}, 500, 505);
    expect(c.at).toBe(now + 505);
    expect(wheel.wakeups).toBe(2);
    expect(wheel.size).toBe(3);
    wheel.clear(b);
    wheel.clear(c);
    wheel.clear(c);
    wheel.clear(undefined);
    expect(wheel.size).toBe(1);
    expect(wheel.wakeups).toBe(1);
    wheel.stop();
    expect(wheel.size).toBe(0);
  });

  it('fires every timer inside its window, in time order, never early', async () => {
    const wheel = new TimerWheel();
    const start = Date.now();
    const fired: Array<[string, number]> = [];
    wheel.set(() => fired.push(['late', Date.now() - start]), 60, 80);
    wheel.set(() => fired.push(['early', Date.now() - start]), 20, 30);
    const cleared = wheel.set(() => fired.push(['cleared', 0]), 40);
    wheel.clear(cleared);
    // A callback may add a timer that is already due.
    wheel.set(() => wheel.set(() => fired.push(['chained', Date.now() - start]), 0), 45, 50);
    await new Promise((r) => setTimeout(r, 200));
    expect(fired.map(([n]) => n)).toEqual(['early', 'chained', 'late']);
    const at = Object.fromEntries(fired);
    expect(at.early).toBeGreaterThanOrEqual(19);
    expect(at.chained).toBeGreaterThanOrEqual(44);
    expect(at.late).toBeGreaterThanOrEqual(59);
    expect(wheel.fired).toBeGreaterThanOrEqual(3);
    expect(wheel.size).toBe(0);
  });
});
