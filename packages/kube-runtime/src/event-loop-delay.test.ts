import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EVENT_LOOP_DELAY_METRIC, latenessSeconds, registerEventLoopDelay } from './event-loop-delay.js';

function quantiles(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^bgplb_event_loop_delay_seconds\{quantile="([\d.]+)"\} (\S+)$/gm)) {
    out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the event loop cannot run timers
  }
}

describe('latenessSeconds', () => {
  it('is the interval between two samples minus the sampling period', () => {
    // An idle loop sampled every 10 ms: 10.1 ms between samples is 0.1 ms late.
    expect(latenessSeconds(10_100_000, 10)).toBeCloseTo(0.0001, 9);
    // A 150 ms stall: the sample after it came 140 ms late.
    expect(latenessSeconds(150_000_000, 10)).toBeCloseTo(0.14, 9);
  });

  it('reads an empty window and an early sample as 0', () => {
    expect(latenessSeconds(0, 10)).toBe(0);
    expect(latenessSeconds(9_900_000, 10)).toBe(0);
  });
});

describe('registerEventLoopDelay', () => {
  it('reports a stall of the event loop in its maximum', async () => {
    const registry = new Registry();
    const monitor = registerEventLoopDelay(registry, 5);
    try {
      await new Promise((r) => setTimeout(r, 50));
      block(150);
      await new Promise((r) => setTimeout(r, 30));
      const q = quantiles(await registry.metrics());
      expect([...q.keys()]).toEqual(['0.5', '0.9', '0.99', '1']);
      expect(q.get('1')).toBeGreaterThanOrEqual(0.12);
      expect(q.get('0.5')).toBeLessThan(q.get('1') as number);
      // The window restarts after a render: a render right after it sees no stall. Right after,
      // with no event-loop turn in between (so no sample): after a 50 ms wait, as before, a loaded
      // machine that did not run this process for 100 ms of it failed the test.
      const after = quantiles(await registry.metrics());
      expect(after.get('1')).toBeLessThan(0.1);
    } finally {
      monitor.stop();
    }
    expect(registry.getSingleMetric(EVENT_LOOP_DELAY_METRIC)).toBeUndefined();
  });

  it('registers once per registry', () => {
    const registry = new Registry();
    const first = registerEventLoopDelay(registry);
    const second = registerEventLoopDelay(registry);
    second.stop();
    expect(registry.getSingleMetric(EVENT_LOOP_DELAY_METRIC)).toBeDefined();
    first.stop();
  });
});
