import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decode } from './codec.js';
import { resolvePeerOptions } from './config.js';
import { BfdSession, type BfdStateChange } from './session.js';
import { GRID_MS, TimerWheel } from './timer-wheel.js';

const timers = resolvePeerOptions({ peer: '192.0.2.1', minTxMs: 300, minRxMs: 300, multiplier: 3 }).timers;

/** A seeded [0, 1) source (mulberry32), so a property run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Two sessions wired back to back on one fake clock and one timer wheel. */
function pair(config = timers, random: () => number = Math.random) {
  const wheel = new TimerWheel(() => Date.now());
  const sentBytes: Uint8Array[] = [];
  const sentAt: number[] = [];
  const changes: BfdStateChange[] = [];
  let link = true;
  const sessions: BfdSession[] = [];
  const make = (disc: number, other: () => BfdSession, record: boolean) =>
    new BfdSession(disc, config, false, {
      send: (bytes) => {
        if (record) {
          sentAt.push(Date.now());
          sentBytes.push(bytes);
        }
        const d = decode(bytes);
        if (link && d.ok) other().receive(d.packet);
      },
      now: () => Date.now(),
      random,
      onStateChange: (_s, c) => {
        if (record) changes.push(c);
      },
      timers: wheel,
    });
  sessions.push(make(1, () => sessions[1] as BfdSession, true));
  sessions.push(make(2, () => sessions[0] as BfdSession, false));
  const [a, b] = sessions as [BfdSession, BfdSession];
  return { a, b, wheel, sentAt, sentBytes, changes, cut: () => (link = false) };
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

  it('sends the same bytes again while the packet is unchanged, new bytes when it changes', () => {
    const { a, b, sentBytes, cut } = pair();
    a.adminUp();
    b.adminUp();
    vi.advanceTimersByTime(5_000);
    expect(a.state).toBe('Up');
    expect(a.context.polling).toBe(false);
    const from = sentBytes.length;
    vi.advanceTimersByTime(3_000);
    const steady = sentBytes.slice(from);
    expect(steady.length).toBeGreaterThanOrEqual(10);
    // One buffer for every periodic packet of the steady state, with the right content.
    expect(new Set(steady).size).toBe(1);
    const d = decode(steady[0] as Uint8Array);
    expect(d.ok && d.packet.state).toBe('Up');
    // A state change is a new packet in a new buffer; the old buffer is left as it was.
    const old = Uint8Array.from(steady[0] as Uint8Array);
    cut();
    vi.advanceTimersByTime(2_000);
    const last = sentBytes[sentBytes.length - 1] as Uint8Array;
    expect(last).not.toBe(steady[0]);
    const dl = decode(last);
    expect(dl.ok && dl.packet.state).toBe('Down');
    expect(steady[0]).toEqual(old);
  });

  it('property: periodic sends keep the RFC 5880 jitter range and Down keeps its bounds, for any interval and multiplier', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 1_500 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        fc.nat(997),
        (intervalMs, multiplier, seed, offset) => {
          vi.setSystemTime(1_000_000 + offset);
          const config = {
            desiredMinTxUs: intervalMs * 1000,
            requiredMinRxUs: intervalMs * 1000,
            detectMultiplier: multiplier,
          };
          const { a, b, wheel, sentAt, changes, cut } = pair(config, seeded(seed));
          a.adminUp();
          b.adminUp();
          // Up at the slow rate (1 s), then the poll to the configured rate.
          vi.advanceTimersByTime(8_000);
          expect(a.state).toBe('Up');
          expect(a.context.polling || b.context.polling).toBe(false);
          const from = sentAt.length;
          vi.advanceTimersByTime(40 * intervalMs);
          const sends = sentAt.slice(from);
          const gaps = sends.slice(1).map((t, i) => t - (sends[i] as number));
          expect(gaps.length).toBeGreaterThanOrEqual(30);
          // §6.8.7: 75-100% of the interval, at most 90% with a Detect Mult of 1.
          expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0.75 * intervalMs);
          expect(Math.max(...gaps)).toBeLessThanOrEqual((multiplier === 1 ? 0.9 : 1) * intervalMs);
          // Down: never before the detection time, at most 2% (or the clock's 2 ms) after it.
          cut();
          vi.advanceTimersByTime(2 * multiplier * intervalMs + 100);
          const down = changes.find((c) => c.from === 'Up' && c.to === 'Down');
          const detection = multiplier * intervalMs;
          expect(down?.diagnostic).toBe('control-detection-time-expired');
          expect(down?.silentMs).toBeGreaterThanOrEqual(detection);
          expect(down?.silentMs).toBeLessThanOrEqual(Math.max(detection * 1.02, detection + 2));
          wheel.stop();
        },
      ),
      { numRuns: 40 },
    );
  });
});
