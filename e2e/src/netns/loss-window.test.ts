import { describe, expect, it } from 'vitest';
import { describeFailures, failedRequests, lossWindow, splitRehashResets } from './loss-window.js';

describe('lossWindow', () => {
  it('is 0 when no request failed', () => {
    expect(
      lossWindow(
        [
          { t: 0, ok: true },
          { t: 20, ok: true },
        ],
        20,
      ),
    ).toEqual({ windowMs: 0, failed: 0, total: 2 });
  });

  it('spans from the first to the last failed request, plus one interval, across interleaved successes', () => {
    const samples = [0, 20, 40, 60, 80, 100, 120].map((t) => ({
      t,
      ok: !(t === 20 || t === 60 || t === 80),
    }));
    expect(lossWindow(samples, 20)).toEqual({
      windowMs: 80,
      failed: 3,
      total: 7,
      firstFailedAt: 20,
      lastFailedAt: 80,
    });
  });

  it('does not depend on the order the results arrived in', () => {
    const samples = [
      { t: 100, ok: false },
      { t: 40, ok: false },
      { t: 60, ok: true },
    ];
    expect(lossWindow(samples, 20).windowMs).toBe(80);
  });

  it('refuses an interval that is not a positive number', () => {
    expect(() => lossWindow([], 0)).toThrow(/intervalMs must be a positive number/);
    expect(() => lossWindow([], Number.NaN)).toThrow(/intervalMs/);
  });
});

describe('failedRequests', () => {
  it('lists the failed requests in start order with how long they were open and their errors', () => {
    expect(
      failedRequests([
        { t: 60, ms: 1000, ok: false, err: 'timeout' },
        { t: 20, ms: 2, ok: true },
        { t: 40, ms: 3, ok: false, err: 'read ECONNRESET' },
        { t: 80, ok: false },
      ]),
    ).toEqual([
      { t: 40, ms: 3, err: 'read ECONNRESET' },
      { t: 60, ms: 1000, err: 'timeout' },
      { t: 80, ms: 0, err: '(no error text)' },
    ]);
  });
});

describe('describeFailures', () => {
  it('gives each failure its error, how long it was open and its start relative to every named moment', () => {
    expect(
      describeFailures([{ t: 1_040, ms: 7, err: 'read ECONNRESET' }], { cordon: 1_000, 'tor1 off': 1_100 }),
    ).toEqual(['read ECONNRESET after 7 ms, started at cordon+40 ms, tor1 off-60 ms']);
  });
});

describe('splitRehashResets', () => {
  const change = { from: 1_000, to: 1_200 };
  const reset = (t: number, ms: number) => ({ t, ms, err: 'read ECONNRESET' });

  it('counts an ECONNRESET as a re-hash reset only when the request was open at some instant of the change', () => {
    const failed = [
      reset(990, 5), // closed before the change could have happened
      reset(990, 10), // still open at its earliest instant
      reset(1_100, 2),
      { t: 1_100, ms: 1_000, err: 'timeout' },
      { t: 1_150, ms: 1, err: 'connect ECONNREFUSED 10.96.0.10:80' },
      reset(1_200, 3), // started at its latest instant
      reset(1_201, 3), // started after it: the router had already moved
    ];
    expect(splitRehashResets(failed, change)).toEqual({
      resets: [reset(990, 10), reset(1_100, 2), reset(1_200, 3)],
      unexplained: [
        reset(990, 5),
        { t: 1_100, ms: 1_000, err: 'timeout' },
        { t: 1_150, ms: 1, err: 'connect ECONNREFUSED 10.96.0.10:80' },
        reset(1_201, 3),
      ],
    });
  });

  it('has nothing to explain when nothing failed', () => {
    expect(splitRehashResets([], change)).toEqual({ resets: [], unexplained: [] });
  });

  it('refuses a bracket that ends before it starts', () => {
    expect(() => splitRehashResets([], { from: 2, to: 1 })).toThrow(/must not end before it starts/);
  });
});
