import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from './metrics.js';
import { routeNextHopCounts, sessionReportAges } from './status-metrics.js';
import type { KubeObject } from './types.js';

const NOW = Date.parse('2026-12-05T00:00:00Z');
const session = (name: string, node: string, lastReportTime?: string, created = '2026-12-04T23:00:00Z') =>
  ({
    metadata: { name, creationTimestamp: created },
    spec: { nodeName: node },
    ...(lastReportTime ? { status: { lastReportTime } } : {}),
  }) as unknown as KubeObject;
const route = (name: string, nextHops: unknown) =>
  ({ metadata: { name }, spec: { prefix: '10.0.0.2/32', nextHops } }) as unknown as KubeObject;

describe('sessionReportAges', () => {
  it('is the time since the last report, or since creation before the first', () => {
    expect(
      sessionReportAges(
        [
          session('a-n1', 'n1', '2026-12-04T23:59:30Z'),
          session('b-n2', 'n2', undefined, '2026-12-04T23:58:00Z'),
        ],
        NOW,
      ),
    ).toEqual([
      { session: 'a-n1', node: 'n1', ageSeconds: 30 },
      { session: 'b-n2', node: 'n2', ageSeconds: 120 },
    ]);
  });

  it('reads a report from a node whose clock is ahead as 0, and skips objects without any time', () => {
    expect(sessionReportAges([session('a-n1', 'n1', '2026-12-05T00:00:05Z')], NOW)[0]?.ageSeconds).toBe(0);
    expect(sessionReportAges([session('a-n1', 'n1', 'garbage', 'garbage')], NOW)).toEqual([]);
  });
});

describe('routeNextHopCounts', () => {
  it('counts next hops; a route without any (or with a broken list) has 0', () => {
    expect(
      routeNextHopCounts([route('r1', ['10.0.1.1', '10.0.1.2']), route('r2', []), route('r3', 'x')]),
    ).toEqual([
      { route: 'r1', prefix: '10.0.0.2/32', nextHops: 2 },
      { route: 'r2', prefix: '10.0.0.2/32', nextHops: 0 },
      { route: 'r3', prefix: '10.0.0.2/32', nextHops: 0 },
    ]);
  });
});

describe('ControllerMetrics status gauges', () => {
  it('read the observed objects at scrape time, and the holders of the last reconcile', async () => {
    const m = new ControllerMetrics({ defaultMetrics: false });
    let sessions = [session('a-n1', 'n1', '2026-12-04T23:58:20Z')];
    m.observe({ sessions: () => sessions, routes: () => [route('r2', [])] }, () => NOW);
    m.setHolders({ '10.0.1.100': 'n1' });
    let text = await m.registry.metrics();
    expect(text).toContain('bgplb_session_report_age_seconds{session="a-n1",node="n1"} 100');
    expect(text).toContain('bgplb_route_next_hops{route="r2",prefix="10.0.0.2/32"} 0');
    expect(text).toContain('bgplb_floating_ip_holder{ip="10.0.1.100",node="n1"} 1');
    sessions = [];
    m.setHolders({ '10.0.1.100': 'n2' });
    text = await m.registry.metrics();
    expect(text).not.toContain('session="a-n1"');
    expect(text).not.toContain('node="n1"');
    expect(text).toContain('bgplb_floating_ip_holder{ip="10.0.1.100",node="n2"} 1');
  });

  it('keep the route gauge while the route list is the same array, and follow a new one', async () => {
    const m = new ControllerMetrics({ defaultMetrics: false });
    const routes = [route('r1', ['10.0.1.1']), route('r2', [])];
    let list: KubeObject[] = routes;
    let reads = 0;
    m.observe({
      sessions: () => [],
      routes: () => {
        reads++;
        return list;
      },
    });
    expect(await m.registry.metrics()).toContain('bgplb_route_next_hops{route="r1",prefix="10.0.0.2/32"} 1');
    // The informer hands out the same array while nothing changed: the values set from it stand.
    const again = await m.registry.metrics();
    expect(reads).toBe(2);
    expect(again).toContain('bgplb_route_next_hops{route="r1",prefix="10.0.0.2/32"} 1');
    expect(again).toContain('bgplb_route_next_hops{route="r2",prefix="10.0.0.2/32"} 0');
    // A change is a new array: r1 gains a next hop, r2 is gone.
    list = [route('r1', ['10.0.1.1', '10.0.1.2'])];
    const changed = await m.registry.metrics();
    expect(changed).toContain('bgplb_route_next_hops{route="r1",prefix="10.0.0.2/32"} 2');
    expect(changed).not.toContain('route="r2"');
  });
});
