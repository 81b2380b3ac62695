import { FakeClock } from '@bgplb/kube-runtime';
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/log-capture.js';
import {
  type HopStanding,
  type RouteLivenessEntry,
  RouteLivenessReporter,
  type RouteStatusWriter,
  routeLivenessEntry,
} from './route-liveness-status.js';

const T = Date.parse('2026-12-04T23:00:00Z');

describe('routeLivenessEntry', () => {
  const standing = new Map<string, HopStanding>([
    ['10.0.1.12', { state: 'hold-down', reason: 'bfd-down', since: T }],
    ['10.0.1.11', { state: 'withdrawn', reason: 'bfd-down', since: T - 1000 }],
    ['10.0.9.9', { state: 'withdrawn', reason: 'bfd-down', since: T }],
  ]);

  it("lists the route's withheld next hops, sorted, with state, reason and since", () => {
    expect(routeLivenessEntry(['10.0.1.12', '10.0.1.10', '10.0.1.11'], standing, false)).toEqual({
      withheld: [
        { nextHop: '10.0.1.11', state: 'withdrawn', reason: 'bfd-down', since: '2026-12-04T22:59:59.000Z' },
        { nextHop: '10.0.1.12', state: 'hold-down', reason: 'bfd-down', since: '2026-12-04T23:00:00.000Z' },
      ],
    });
  });

  it('is null when none of its next hops is withheld, and flags the isolation guard', () => {
    expect(routeLivenessEntry(['10.0.1.10'], standing, false)).toBeNull();
    expect(routeLivenessEntry(['10.0.1.10'], standing, true)).toEqual({
      withheld: [],
      isolationSuspected: true,
    });
  });
});

class FakeWriter implements RouteStatusWriter {
  readonly writes: {
    name: string;
    node: string;
    entry: (RouteLivenessEntry & { lastReportTime: string }) | null;
  }[] = [];
  gone = new Set<string>();
  failNext = 0;
  async write(name: string, node: string, entry: (RouteLivenessEntry & { lastReportTime: string }) | null) {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('conflict'), { status: 409 });
    }
    if (this.gone.has(name)) throw Object.assign(new Error('not found'), { status: 404 });
    this.writes.push({ name, node, entry });
  }
}

async function settle(clock: FakeClock, ms = 2_000): Promise<void> {
  for (let i = 0; i < ms / 50; i++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(50);
  }
  await new Promise((r) => setImmediate(r));
}

describe('RouteLivenessReporter', () => {
  const down = new Map<string, HopStanding>([
    ['10.0.1.11', { state: 'withdrawn', reason: 'bfd-down', since: T }],
  ]);
  const routes = new Map([
    ['web', ['10.0.1.11', '10.0.1.12']],
    ['api', ['10.0.1.12']],
  ]);

  it('writes an entry only where a next hop is withheld, once, and clears it (null) when it is back', async () => {
    const clock = new FakeClock(T);
    const writer = new FakeWriter();
    const reporter = new RouteLivenessReporter({
      node: 'lb2',
      writer,
      clock,
      logger: captureLogger('debug').log,
    });
    reporter.update(routes, new Map(), false);
    await settle(clock);
    expect(writer.writes).toEqual([]);
    reporter.update(routes, down, false);
    reporter.update(routes, down, false);
    await settle(clock);
    expect(writer.writes.map((w) => [w.name, w.node, w.entry?.withheld])).toEqual([
      [
        'web',
        'lb2',
        [{ nextHop: '10.0.1.11', state: 'withdrawn', reason: 'bfd-down', since: '2026-12-04T23:00:00.000Z' }],
      ],
    ]);
    expect(writer.writes[0]?.entry?.lastReportTime).toMatch(/^2026-12-04T23:00/);
    reporter.update(routes, new Map(), false);
    await settle(clock);
    expect(writer.writes.at(-1)).toEqual({ name: 'web', node: 'lb2', entry: null });
    expect(writer.writes).toHaveLength(2);
    await reporter.stop();
  });

  it('paces writes (10 per second), retries failures, and forgets a route that is gone', async () => {
    const clock = new FakeClock(T);
    const writer = new FakeWriter();
    const reporter = new RouteLivenessReporter({
      node: 'lb2',
      writer,
      clock,
      logger: captureLogger('debug').log,
    });
    const many = new Map(Array.from({ length: 20 }, (_, i) => [`r${i}`, ['10.0.1.11']] as const));
    writer.failNext = 1;
    writer.gone.add('r19');
    reporter.update(many, down, false);
    await settle(clock, 1_000);
    // One failed, then paced at 100 ms: about 10 in the first second.
    expect(writer.writes.length).toBeGreaterThanOrEqual(8);
    expect(writer.writes.length).toBeLessThanOrEqual(11);
    await settle(clock, 5_000);
    expect(new Set(writer.writes.map((w) => w.name))).toEqual(
      new Set(Array.from({ length: 19 }, (_, i) => `r${i}`)),
    );
    await reporter.stop();
  });
});
