import { describe, expect, it } from 'vitest';
import { type CheckResult, type GateClock, HealthGate } from './health-gate.js';

/** A clock whose timers run only when the test advances it. */
class FakeClock implements GateClock {
  now = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;
  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.push({ at: this.now + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  get pending(): number {
    return this.timers.length;
  }
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const t = this.timers[0];
      if (!t || t.at > end) break;
      this.timers.shift();
      this.now = t.at;
      t.fn();
      await flush();
    }
    this.now = end;
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function gate(results: boolean[], thresholds = { failureThreshold: 3, successThreshold: 2 }) {
  const clock = new FakeClock();
  const changes: Array<[boolean, string]> = [];
  const seen: Array<[CheckResult, number]> = [];
  let i = 0;
  const g = new HealthGate({
    check: async () => {
      const ok = results[Math.min(i++, results.length - 1)] ?? true;
      if (ok === undefined) throw new Error('no result');
      return { ok, detail: ok ? 'HTTP 200' : 'HTTP 500' };
    },
    intervalMs: 1000,
    ...thresholds,
    clock,
    onChange: (h, reason) => changes.push([h, reason]),
    onResult: (r, n) => seen.push([r, n]),
  });
  return { g, clock, changes, seen, checks: () => i };
}

describe('HealthGate', () => {
  it('gives a first verdict on the first check', async () => {
    const { g, changes } = gate([true]);
    g.start();
    await flush();
    expect(g.healthy).toBe(true);
    expect(changes).toEqual([[true, 'health check passed (HTTP 200)']]);
    g.stop();
  });

  it('withdraws after N consecutive failures and recovers after M successes', async () => {
    const { g, clock, changes, checks } = gate([true, false, false, true, false, false, false, true, true]);
    g.start();
    await flush();
    expect(changes).toHaveLength(1);
    await clock.advance(1000); // F1
    await clock.advance(1000); // F2
    await clock.advance(1000); // success resets the count
    await clock.advance(2000); // F1, F2
    expect(g.healthy).toBe(true);
    expect(g.consecutiveFailures).toBe(2);
    await clock.advance(1000); // F3 -> withdraw
    expect(g.healthy).toBe(false);
    expect(changes.at(-1)).toEqual([false, 'health check failed 3 times in a row (last: HTTP 500)']);
    await clock.advance(1000); // S1: not yet
    expect(g.healthy).toBe(false);
    await clock.advance(1000); // S2 -> announce
    expect(g.healthy).toBe(true);
    expect(changes.map((c) => c[0])).toEqual([true, false, true]);
    expect(checks()).toBe(9);
    g.stop();
    expect(clock.pending).toBe(0);
    await clock.advance(10_000);
    expect(checks()).toBe(9);
  });

  it('says unhealthy at once when the very first check fails', async () => {
    const { g, changes } = gate([false]);
    g.start();
    await flush();
    expect(changes).toEqual([[false, 'health check failed once (last: HTTP 500)']]);
    g.stop();
  });

  it('treats a check that throws as a failure', async () => {
    const changes: boolean[] = [];
    const g = new HealthGate({
      check: async () => {
        throw new Error('boom');
      },
      intervalMs: 1000,
      failureThreshold: 1,
      successThreshold: 1,
      clock: new FakeClock(),
      onChange: (h) => changes.push(h),
    });
    g.start();
    g.start();
    await flush();
    expect(changes).toEqual([false]);
    g.stop();
  });

  it('refuses thresholds below 1', () => {
    expect(
      () =>
        new HealthGate({
          check: async () => ({ ok: true, detail: '' }),
          intervalMs: 1,
          failureThreshold: 0,
          successThreshold: 1,
          onChange: () => {},
        }),
    ).toThrow('at least 1');
  });
});
