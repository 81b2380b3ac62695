import { describe, expect, it } from 'vitest';
import { lossWindow } from './loss-window.js';

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
