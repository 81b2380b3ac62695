import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decode } from './codec.js';
import { resolvePeerOptions } from './config.js';
import { BfdSession, type BfdStateChange } from './session.js';
import { GRID_MS, TimerWheel } from './timer-wheel.js';

const timers = resolvePeerOptions({ peer: '192.0.2.1', minTxMs: 300, minRxMs: 300, multiplier: 3 }).timers;

/** Two sessions wired back to back on one fake clock and one timer wheel. */
function pair() {
  const wheel = new TimerWheel(() => Date.now());
  const sentAt: number[] = [];
  const changes: BfdStateChange[] = [];
  let link = true;
  const sessions: BfdSession[] = [];
  const make = (disc: number, other: () => BfdSession, record: boolean) =>
    new BfdSession(disc, timers, false, {
      send: (bytes) => {
        if (record) sentAt.push(Date.now());
        const d = decode(bytes);
        if (link && d.ok) other().receive(d.packet);
      },
      now: () => Date.now(),
      random: Math.random,
      onStateChange: (_s, c) => {
        if (record) changes.push(c);
      },
      timers: wheel,
    });
  sessions.push(make(1, () => sessions[1] as BfdSession, true));
  sessions.push(make(2, () => sessions[0] as BfdSession, false));
  const [a, b] = sessions as [BfdSession, BfdSession];
  return { a, b, wheel, sentAt, changes, cut: () => (link = false) };
}

describe('BfdSession on the timer wheel', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('sends within the RFC 5880 jitter range (75-100% of 300 ms), on shared grid wake-ups', () => {
    const { a, b, wheel, sentAt } = pair();
    a.adminUp();
    b.adminUp();
    vi.advanceTimersByTime(5_000);
    expect(a.state).toBe('Up');
    const from = sentAt.length;
    const fired = wheel.fired;
    vi.advanceTimersByTime(30_000);
    const sends = sentAt.slice(from);
    const gaps = sends.slice(1).map((t, i) => t - (sends[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(225);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(300);
    // Still jittered: the gaps are not all one value.
    expect(new Set(gaps).size).toBeGreaterThan(1);
    // Every periodic send leaves on a grid time; two sessions and their detection checks share
    // at most one wake-up per grid step.
    for (const t of sends) expect(t % GRID_MS).toBe(0);
    expect(wheel.fired - fired).toBeLessThanOrEqual(30_000 / GRID_MS);
  });

  it('declares Down never before the detection time and at most 2% after it', () => {
    const { a, b, changes, cut } = pair();
    a.adminUp();
    b.adminUp();
    vi.advanceTimersByTime(5_000);
    expect(a.state).toBe('Up');
    vi.advanceTimersByTime(1_234);
    cut();
    vi.advanceTimersByTime(2_000);
    const down = changes.find((c) => c.from === 'Up' && c.to === 'Down');
    expect(down?.diagnostic).toBe('control-detection-time-expired');
    expect(down?.silentMs).toBeGreaterThanOrEqual(900);
    expect(down?.silentMs).toBeLessThanOrEqual(918);
  });
});
