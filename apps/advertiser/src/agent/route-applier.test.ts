import { FakeClock } from '@bgplb/bgp-fsm';
import { describe, expect, it } from 'vitest';
import { createRegistry, type PathSpec } from '../shared/index.js';
import { captureLogger } from '../test-support/log-capture.js';
import { AgentMetrics } from './metrics.js';
import { RouteApplier } from './route-applier.js';

function route(name: string, prefix: string, nextHops: unknown): unknown {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPAdvertisedRoute',
    metadata: { name, namespace: 'kube-system' },
    spec: { prefix, nextHops, service: { namespace: 'default', name } },
  };
}

function setup() {
  const calls: string[] = [];
  const clock = new FakeClock();
  const metrics = new AgentMetrics(createRegistry());
  const logs = captureLogger('debug');
  let due = 0;
  const applier = new RouteApplier({
    speaker: {
      setPaths: (prefix: string, paths: readonly PathSpec[]) =>
        calls.push(`set ${prefix} ${paths.map((p) => p.nextHop).join(',')}`),
      withdraw: (prefix: string) => calls.push(`withdraw ${prefix}`),
    },
    chooser: { forget: (prefix: string) => calls.push(`forget ${prefix}`) },
    clock,
    logger: logs.log,
    metrics,
    batchMs: 50,
    onBatchDue: () => due++,
  });
  return { calls, clock, metrics, logs, applier, due: () => due };
}

async function count(metrics: AgentMetrics): Promise<number | undefined> {
  const h = await metrics.routeUpdateSeconds.get();
  return h.values.find((v) => v.metricName === 'bgplb_agent_route_update_seconds_count')?.value;
}

describe('RouteApplier', () => {
  it('collects changes over one window, then applies only the difference', () => {
    const t = setup();
    t.applier.setRoutes([route('a', '10.0.0.1/32', ['10.0.1.10'])]);
    t.applier.setRoutes([route('a', '10.0.0.1/32', ['10.0.1.10']), route('b', '10.0.0.2/32', ['10.0.1.11'])]);
    t.clock.advance(49);
    expect(t.due()).toBe(0);
    t.clock.advance(1);
    expect(t.due()).toBe(1);
    t.applier.apply(false);
    expect(t.calls).toEqual(['set 10.0.0.1/32 10.0.1.10', 'set 10.0.0.2/32 10.0.1.11']);
    t.calls.length = 0;
    t.applier.setRoutes([route('b', '10.0.0.2/32', ['10.0.1.11'])]);
    t.applier.apply(false);
    expect(t.calls).toEqual(['withdraw 10.0.0.1/32', 'forget 10.0.0.1/32']);
    expect(t.applier.size()).toBe(1);
  });

  it('re-sends unchanged prefixes after resendAll', () => {
    const t = setup();
    t.applier.setRoutes([route('a', '10.0.0.1/32', ['10.0.1.10', '10.0.1.11'])]);
    t.applier.apply(false);
    t.calls.length = 0;
    t.applier.apply(false);
    expect(t.calls).toEqual([]);
    t.applier.resendAll();
    t.applier.apply(false);
    expect(t.calls).toEqual(['set 10.0.0.1/32 10.0.1.10,10.0.1.11']);
  });

  it('measures from the change seen to the UPDATE that carries it, only when asked to', async () => {
    const t = setup();
    t.applier.setRoutes([route('a', '10.0.0.1/32', ['10.0.1.10'])]);
    t.applier.apply(false); // the initial table: not latency
    t.applier.updateSent(['10.0.0.1/32'], []);
    expect(await count(t.metrics)).toBe(0);
    t.applier.setRoutes([route('a', '10.0.0.1/32', ['10.0.1.12'])]);
    t.clock.advance(50);
    t.applier.apply(true);
    t.clock.advance(30);
    t.applier.updateSent(['10.0.0.1/32'], []);
    t.applier.updateSent(['10.0.0.1/32'], []); // closed already
    expect(await count(t.metrics)).toBe(1);
    const sum = (await t.metrics.routeUpdateSeconds.get()).values.find(
      (v) => v.metricName === 'bgplb_agent_route_update_seconds_sum',
    );
    expect(sum?.value).toBeCloseTo(0.08);
  });

  it('logs a bad BGPAdvertisedRoute once while it stays bad, and does nothing after stop', () => {
    const t = setup();
    const bad = [route('bad', 'not-a-prefix', ['10.0.1.10'])];
    t.applier.setRoutes(bad);
    t.applier.apply(false);
    t.applier.apply(false);
    expect(t.logs.lines.filter((l) => String(l.msg).startsWith('BGPAdvertisedRoute bad'))).toHaveLength(1);
    t.applier.stop();
    t.applier.setRoutes([route('a', '10.0.0.1/32', ['10.0.1.10'])]);
    t.clock.advance(100);
    t.applier.apply(false);
    expect(t.due()).toBe(0);
    expect(t.calls).toEqual([]);
  });
});
