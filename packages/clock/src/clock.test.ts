import { describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from './clock.js';

describe('FakeClock', () => {
  it('fires due timers in time order, also ones set by a firing timer, and none early', () => {
    const c = new FakeClock(100);
    const fired: string[] = [];
    c.setTimeout(() => fired.push('b@30'), 30);
    c.setTimeout(() => {
      fired.push('a@10');
      c.setTimeout(() => fired.push('c@15'), 5);
    }, 10);
    const cancelled = c.setTimeout(() => fired.push('never'), 20);
    c.clearTimeout(cancelled);
    c.setTimeout(() => fired.push('same@30'), 30);
    expect(c.pending).toBe(3);
    c.advance(29);
    expect(fired).toEqual(['a@10', 'c@15']);
    expect(c.now()).toBe(129);
    c.advance(1);
    expect(fired).toEqual(['a@10', 'c@15', 'b@30', 'same@30']);
    expect(c.pending).toBe(0);
  });
});

describe('systemClock', () => {
  it('tells wall time and runs an unref-ed timer that can be cleared', async () => {
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(50);
    let fired = 0;
    systemClock.setTimeout(() => fired++, 1);
    const cleared = systemClock.setTimeout(() => fired++, 1);
    systemClock.clearTimeout(cleared);
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toBe(1);
  });
});
