import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GRID_MS, TimerWheel, WheelTimer } from './timer-wheel.js';

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

describe('TimerWheel on a fake clock', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_003);
  });
  afterEach(() => vi.useRealTimers());

  it('restarts a timer in place: it fires once, in its latest window', () => {
    const wheel = new TimerWheel(() => Date.now());
    let runs = 0;
    const t = new WheelTimer(() => runs++);
    expect(t.running).toBe(false);
    expect(t.at).toBeUndefined();
    wheel.start(t, 100, 200);
    wheel.start(t, 500, 600);
    expect(wheel.size).toBe(1);
    expect(wheel.wakeups).toBe(1);
    const start = Date.now();
    vi.advanceTimersByTime(499);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(101);
    expect(runs).toBe(1);
    expect(t.running).toBe(false);
    expect(Date.now() - start).toBe(600);
    vi.advanceTimersByTime(1_000);
    expect(runs).toBe(1);
    expect(wheel.fired).toBe(1);
  });

  it('arms one Node timer per wake-up, however many timers its callbacks restart', () => {
    const wheel = new TimerWheel(() => Date.now());
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const timers = Array.from({ length: 50 }, () => {
      const t: WheelTimer = new WheelTimer(() => wheel.start(t, 260, 300));
      return t;
    });
    for (const t of timers) wheel.start(t, 260, 300);
    vi.advanceTimersByTime(300);
    const before = spy.mock.calls.length;
    vi.advanceTimersByTime(3_000);
    // Every timer restarted ten times, all in the same 40 ms slot: ten wake-ups, ten arms.
    expect(wheel.fired).toBe(11);
    expect(spy.mock.calls.length - before).toBe(10);
    spy.mockRestore();
  });

  it('keeps the rest of a wake-up when a callback throws, and runs it on the next turn', () => {
    const wheel = new TimerWheel(() => Date.now());
    const ran: string[] = [];
    wheel.set(() => ran.push('a'), 100);
    wheel.set(() => {
      throw new Error('boom');
    }, 100);
    wheel.set(() => ran.push('c'), 100);
    const cleared = wheel.set(() => ran.push('cleared'), 100);
    wheel.set(() => ran.push('later'), 400);
    // The throw reaches the timer's caller (fake timers rethrow it from advanceTimersByTime).
    expect(() => vi.advanceTimersByTime(100)).toThrow('boom');
    wheel.clear(cleared);
    expect(ran).toEqual(['a']);
    expect(wheel.size).toBe(2);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['a', 'c']);
    vi.advanceTimersByTime(400);
    expect(ran).toEqual(['a', 'c', 'later']);
    expect(wheel.size).toBe(0);
    expect(wheel.wakeups).toBe(0);
  });

  it('stop cancels every timer; they can be started again', () => {
    const wheel = new TimerWheel(() => Date.now());
    let runs = 0;
    const t = new WheelTimer(() => runs++);
    wheel.start(t, 10);
    wheel.stop();
    expect(t.running).toBe(false);
    vi.advanceTimersByTime(100);
    expect(runs).toBe(0);
    wheel.start(t, 10);
    vi.advanceTimersByTime(100);
    expect(runs).toBe(1);
  });

  it('property: every timer fires once, inside its window, whatever the order of starts, restarts and clears', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            timer: fc.nat(7),
            op: fc.constantFrom('start', 'start', 'start', 'clear'),
            advance: fc.nat(120),
            earliest: fc.nat(700),
            width: fc.nat(100),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (steps) => {
          const wheel = new TimerWheel(() => Date.now());
          const windows: Array<[number, number] | undefined> = [];
          const fired: Array<[number, number]> = [];
          const timers = Array.from(
            { length: 8 },
            (_, i) =>
              new WheelTimer(() => {
                fired.push([i, Date.now()]);
                const w = windows[i];
                expect(w).toBeDefined();
                const [lo, hi] = w as [number, number];
                expect(Date.now()).toBeGreaterThanOrEqual(lo - 1);
                expect(Date.now()).toBeLessThanOrEqual(hi);
                windows[i] = undefined;
              }),
          );
          for (const s of steps) {
            vi.advanceTimersByTime(s.advance);
            const t = timers[s.timer] as WheelTimer;
            if (s.op === 'clear') {
              wheel.clear(t);
              windows[s.timer] = undefined;
            } else {
              const now = Date.now();
              wheel.start(t, s.earliest, s.earliest + s.width);
              windows[s.timer] = [now + s.earliest, now + s.earliest + s.width];
            }
          }
          vi.advanceTimersByTime(1_000);
          // Nothing still pending, nothing left unfired.
          expect(windows.every((w) => w === undefined)).toBe(true);
          expect(wheel.size).toBe(0);
          expect(wheel.wakeups).toBe(0);
          wheel.stop();
        },
      ),
      { numRuns: 300 },
    );
  });
});
