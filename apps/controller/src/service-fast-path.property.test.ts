/**
 * Property: on any sequence of Service changes, the incremental path (ServiceFastPath) and the
 * full fold (desiredState over every Service) agree on every Service's VIP, every route, and the
 * Events of the changed Services, whenever the incremental path answers at all. When it answers
 * 'full', the controller runs the full path and starts a new incremental path from it; so does
 * this test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConfigObjects } from './config.js';
import { type Desired, type DesiredStateOptions, desiredState } from './desired-state.js';
import { ServiceFastPath } from './service-fast-path.js';
import {
  CLUSTER_NODES,
  EXAMPLE_FILES,
  exampleConfig,
  node,
  type ServiceFixture,
  service,
  T0,
} from './test-support/fixtures.js';
import type { EventSpec, ServiceObject } from './types.js';

const OPTIONS: DesiredStateOptions = {
  clusterNamespace: 'cluster-bm',
  graceSeconds: 30,
  nodePrefixLength: 24,
  loadBalancerClass: 'networking.gke.io/bgplb',
};
const FAST_OPTIONS = {
  clusterNamespace: OPTIONS.clusterNamespace,
  loadBalancerClass: OPTIONS.loadBalancerClass,
};

/**
 * Example 01 has three usable IPv4 addresses (10.0.0.2-10.0.0.4): pools run out often. Both sizes
 * add IPv6 (a /126 holds three addresses besides its subnet-router anycast address).
 */
function config(large: boolean): ConfigObjects {
  const c = exampleConfig(EXAMPLE_FILES[0]);
  const cluster = structuredClone(c.cluster) as {
    spec: { loadBalancer: { addressPools: { name: string; addresses: string[] }[] } };
  };
  const pools = cluster.spec.loadBalancer.addressPools;
  if (large)
    cluster.spec.loadBalancer.addressPools = [
      { name: 'pool1', addresses: ['10.0.0.1-10.0.0.4', '10.1.0.0/29', '2001:db8:100::/124'] },
    ];
  else pools[0]!.addresses.push('2001:db8:100::/126');
  return { ...c, cluster };
}

/** node-01 and node-02 are dual-stack (IPv6 next hops); the others have only IPv4. */
const NODES = CLUSTER_NODES.map((n, i) => (i < 2 ? { ...n, ip6: `2001:db8:1::1${i}` } : n));

/** A Service's address families: plain IPv4 (no fields), IPv6 only, or dual-stack either way. */
type Families = 'v4' | 'v6' | 'prefer46' | 'require64';
const FAMILY_FIELDS: Record<Families, Pick<ServiceFixture, 'ipFamilies' | 'ipFamilyPolicy'>> = {
  v4: {},
  v6: { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' },
  prefer46: { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' },
  require64: { ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'RequireDualStack' },
};

// a/b-c and a-b/c share the route name default-a-b-c.
const KEYS = ['default/x', 'default/y', 'default/z', 'a/b-c', 'a-b/c', 'a/w'] as const;

type Op =
  | {
      op: 'upsert';
      key: string;
      type: 'LoadBalancer' | 'ClusterIP';
      local: boolean;
      otherClass: boolean;
      families: Families;
    }
  | { op: 'delete'; key: string }
  | { op: 'request'; key: string; ip: string }
  | { op: 'status'; key: string; ip: string }
  | { op: 'endpoints'; key: string; counts: [string, number][] };

const key = fc.constantFrom(...KEYS);
const ip = fc.constantFrom(
  '10.0.0.2',
  '10.0.0.3',
  '10.0.0.4',
  '10.1.0.3',
  '10.9.9.9',
  '2001:db8:100::1',
  '2001:db8:100::3',
  '2001:db8:9::1',
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('upsert' as const),
      key,
      type: fc.oneof(
        { weight: 5, arbitrary: fc.constant('LoadBalancer' as const) },
        fc.constant('ClusterIP' as const),
      ),
      local: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
      otherClass: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, fc.constant(true)),
      families: fc.constantFrom<Families>('v4', 'v4', 'v6', 'prefer46', 'require64'),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('request' as const), key, ip }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('status' as const), key, ip }) },
  {
    // An EndpointSlice change: ready endpoints per node (LB nodes node-01..03 and others).
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('endpoints' as const),
      key,
      counts: fc.array(
        fc.tuple(fc.constantFrom('node-01', 'node-02', 'node-03', 'node-04'), fc.integer({ min: 0, max: 3 })),
        { maxLength: 4 },
      ),
    }),
  },
);

const split = (k: string) => k.split('/') as [string, string];

/** Applies one operation to the live Services (a new Service is younger than every other). */
function applyOp(
  live: Map<string, ServiceObject>,
  endpoints: Map<string, Map<string, number>>,
  o: Op,
  clock: { t: number },
): void {
  const [namespace, name] = split(o.key);
  const existing = live.get(o.key);
  if (o.op === 'endpoints') {
    const counts = new Map(o.counts.filter(([, n]) => n > 0));
    if (counts.size === 0) endpoints.delete(o.key);
    else endpoints.set(o.key, counts);
    return;
  }
  if (o.op === 'delete') {
    live.delete(o.key);
    return;
  }
  if (o.op === 'status' || o.op === 'request') {
    if (existing === undefined) return;
    const s = structuredClone(existing);
    if (o.op === 'status') s.status = { loadBalancer: { ingress: [{ ip: o.ip }] } };
    else s.spec = { ...s.spec, loadBalancerIP: o.ip };
    live.set(o.key, s);
    return;
  }
  if (existing === undefined) clock.t += 1000;
  const s = service({
    namespace,
    name,
    type: o.type,
    etpLocal: o.local,
    created: existing === undefined ? clock.t : Date.parse(String(existing.metadata.creationTimestamp)),
    ...(o.otherClass ? { loadBalancerClass: 'example.com/other' } : {}),
    ...FAMILY_FIELDS[o.families],
  });
  if (existing?.status !== undefined) s.status = structuredClone(existing.status);
  if (existing?.spec?.loadBalancerIP !== undefined)
    s.spec = { ...s.spec, loadBalancerIP: existing.spec.loadBalancerIP };
  live.set(o.key, s);
}

/** Writes what was decided to the Services' status, as the controller's apply step does. */
function writeStatus(
  live: Map<string, ServiceObject>,
  decided: Desired['services'],
): Map<string, ServiceObject> {
  const written = new Map<string, ServiceObject>();
  for (const [k, s] of live) {
    const d = decided.get(k);
    if (d === undefined) continue;
    const vips = d.vip === null ? [] : d.secondVip === undefined ? [d.vip] : [d.vip, d.secondVip];
    const current = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
    if (current.join(',') === vips.join(',')) continue;
    const next = structuredClone(s);
    next.status = vips.length === 0 ? {} : { loadBalancer: { ingress: vips.map((ip) => ({ ip })) } };
    live.set(k, next);
    written.set(k, next);
  }
  return written;
}

const eventText = (e: EventSpec) =>
  `${e.involved.namespace}/${e.involved.name} ${e.type} ${e.reason}: ${e.message}`;
const routeView = (d: Desired) =>
  Object.fromEntries(
    [...d.routes].map(([n, r]) => [n, { spec: r.spec, labels: r.labels, status: r.status }]),
  );
const vipView = (services: Desired['services']) =>
  Object.fromEntries([...services].map(([k, s]) => [k, [s.vip, s.secondVip]]));

describe('ServiceFastPath agrees with the full fold', () => {
  it('on random sequences of Service and EndpointSlice changes', () => {
    let fastSteps = 0;
    let fullSteps = 0;
    let weightedSteps = 0;
    let dualStackSteps = 0;
    fc.assert(
      fc.property(
        fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
        fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { maxLength: 15 }),
        (large, batches) => {
          const cfg = config(large);
          const nodes = NODES.map(node);
          const endpoints = new Map<string, Map<string, number>>();
          const full = (live: Map<string, ServiceObject>) =>
            desiredState({
              config: cfg,
              nodes,
              services: [...live.values()],
              endpoints,
              now: T0,
              options: OPTIONS,
            });
          const live = new Map<string, ServiceObject>();
          const clock = { t: T0 - 1_000_000 };
          let fast = ServiceFastPath.from(full(live), FAST_OPTIONS)!;
          const step = (changedKeys: Set<string>) => {
            const changed = new Map<string, ServiceObject | undefined>();
            for (const k of changedKeys) changed.set(k, live.get(k));
            const result = fast.apply(changed, (k) => endpoints.get(k));
            const reference = full(live);
            if (result === 'full') {
              fullSteps++;
              fast = ServiceFastPath.from(reference, FAST_OPTIONS)!;
            } else {
              fastSteps++;
              if ([...fast.desired.routes.values()].some((r) => r.spec.weights !== undefined))
                weightedSteps++;
              expect(vipView(fast.desired.services)).toEqual(vipView(reference.services));
              expect(routeView(fast.desired)).toEqual(routeView(reference));
              const about = (e: EventSpec) => changedKeys.has(`${e.involved.namespace}/${e.involved.name}`);
              expect(result.events.map(eventText).sort()).toEqual(
                reference.events.filter(about).map(eventText).sort(),
              );
              for (const [k, s] of result.services) {
                expect(s.vip).toBe(reference.services.get(k)?.vip);
                expect(s.secondVip).toBe(reference.services.get(k)?.secondVip);
                if (s.secondVip !== undefined) dualStackSteps++;
              }
              // Only the changed Services' routes are rewritten or removed: churn of one Service's
              // endpoints touches no other route.
              for (const r of result.routes.values())
                expect(changedKeys.has(`${r.spec.service.namespace}/${r.spec.service.name}`)).toBe(true);
            }
            return reference;
          };
          for (const batch of batches) {
            const changedKeys = new Set<string>();
            for (const o of batch) {
              applyOp(live, endpoints, o, clock);
              changedKeys.add(o.key);
            }
            const decided = step(changedKeys);
            // The status writes come back as Service changes too.
            const written = writeStatus(live, decided.services);
            if (written.size > 0) step(new Set(written.keys()));
          }
        },
      ),
      { numRuns: 300 },
    );
    // Both paths were exercised: the property compared real incremental answers.
    expect(fastSteps).toBeGreaterThan(500);
    expect(fullSteps).toBeGreaterThan(10);
    // ...including Local routes with weights, built from the endpoints (62-154 in 30 runs; the
    // Service families share the operations, so the bound leaves room).
    expect(weightedSteps).toBeGreaterThan(30);
    // ...and dual-stack Services (two VIPs, a route per family) decided incrementally.
    expect(dualStackSteps).toBeGreaterThan(200); // 457-626 in 30 runs
  }, 120_000);
});
