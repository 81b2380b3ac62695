import { describe, expect, it } from 'vitest';
import type { ConfigObjects } from './config.js';
import { type DesiredStateOptions, desiredState } from './desired-state.js';
import { ServiceFastPath } from './service-fast-path.js';
import { CLUSTER_NODES, EXAMPLE_FILES, exampleConfig, node, service, T0 } from './test-support/fixtures.js';
import type { ServiceObject } from './types.js';

const OPTIONS: DesiredStateOptions = {
  clusterNamespace: 'cluster-bm',
  graceSeconds: 30,
  nodePrefixLength: 24,
  loadBalancerClass: 'networking.gke.io/bgplb',
};

function config(): ConfigObjects {
  const c = exampleConfig(EXAMPLE_FILES[0]);
  const cluster = structuredClone(c.cluster) as { spec: { loadBalancer: { addressPools: unknown[] } } };
  cluster.spec.loadBalancer.addressPools = [
    { name: 'pool1', addresses: ['10.0.0.1-10.0.0.4', '10.1.0.0/28'] },
  ];
  return { ...c, cluster };
}

const full = (services: ServiceObject[], endpoints?: Map<string, Map<string, number>>) =>
  desiredState({
    config: config(),
    nodes: CLUSTER_NODES.map(node),
    services,
    endpoints,
    now: T0,
    options: OPTIONS,
  });

/** Services with the status the controller would have written. */
function withStatus(services: ServiceObject[], vips: Map<string, { vip: string | null }>): ServiceObject[] {
  return services.map((s) => {
    const vip = vips.get(`${s.metadata.namespace}/${s.metadata.name}`)?.vip;
    return vip ? { ...s, status: { loadBalancer: { ingress: [{ ip: vip }] } } } : { ...s, status: {} };
  });
}

const keyOf = (s: ServiceObject) => `${s.metadata.namespace}/${s.metadata.name}`;

describe("ServiceFastPath gives the full path's answer", () => {
  it('for creates, deletes, ETP=Local switches, sticky statuses and no-op updates', () => {
    const initial = [
      service({ name: 'a', created: T0 - 9000 }),
      service({ name: 'b', created: T0 - 8000 }),
      service({ name: 'c', created: T0 - 7000 }),
    ];
    const first = full(initial);
    const live = withStatus(initial, first.services);
    const fast = ServiceFastPath.from(first, {
      clusterNamespace: 'cluster-bm',
      loadBalancerClass: OPTIONS.loadBalancerClass,
    })!;
    // b deleted, c switched to Local, d new, e new with a free VIP already in its status, a relabelled.
    const c = { ...live[2]!, spec: { ...live[2]!.spec, externalTrafficPolicy: 'Local' } } as ServiceObject;
    const d = service({ name: 'd', created: T0 - 6000 });
    const e = service({ name: 'e', created: T0 - 5000, vip: '10.1.0.5' });
    const a = { ...live[0]!, metadata: { ...live[0]!.metadata, labels: { x: 'y' } } };
    const result = fast.apply(
      new Map<string, ServiceObject | undefined>([
        ['default/b', undefined],
        [keyOf(c), c],
        [keyOf(d), d],
        [keyOf(e), e],
        [keyOf(a), a],
      ]),
    );
    expect(result).not.toBe('full');
    if (result === 'full') return;
    const after = [a, c, d, e];
    const reference = full(after);
    expect(fast.desired.services).toEqual(reference.services);
    expect([...fast.desired.routes.keys()].sort()).toEqual([...reference.routes.keys()].sort());
    for (const [name, r] of reference.routes)
      expect(fast.desired.routes.get(name)?.spec, name).toEqual(r.spec);
    expect(result.removedRoutes.sort()).toEqual(['default-default-b', 'default-default-c']);
    // c, now Local without endpoints, keeps its VIP but its route is withdrawn.
    expect(result.events.map((ev) => `${ev.involved.name}:${ev.reason}`).sort()).toEqual([
      'c:NoLocalEndpoints',
      'd:VIPAllocated',
    ]);
    // Only what changed is in the partial result: a is unchanged and not rewritten.
    expect([...result.services.keys()].sort()).toEqual(['default/a', 'default/c', 'default/d', 'default/e']);
    expect(result.services.get('default/d')?.vip).toBe(reference.services.get('default/d')?.vip);
  });

  it('follows the endpoints of a Local Service: next hops, weights, withdrawal, as the full path', () => {
    const local = service({ name: 'l', created: T0 - 9000, etpLocal: true });
    const other = service({ name: 'o', created: T0 - 8000 });
    const steps: Map<string, number>[] = [
      new Map([['node-01', 3]]),
      new Map([
        ['node-01', 3],
        ['node-02', 1],
      ]),
      new Map([
        ['node-01', 2],
        ['node-02', 1],
      ]),
      new Map([['node-04', 1]]),
      new Map(),
      new Map([['node-03', 2]]),
    ];
    const first = full([local, other]);
    const live = withStatus([local, other], first.services);
    const fast = ServiceFastPath.from(first, {
      clusterNamespace: 'cluster-bm',
      loadBalancerClass: OPTIONS.loadBalancerClass,
    })!;
    let previous = first.routes.get('default-default-l');
    for (const counts of steps) {
      const endpoints = new Map([['default/l', counts]]);
      const result = fast.apply(new Map([['default/l', live[0]]]), (key) => endpoints.get(key));
      if (result === 'full') throw new Error('the fast path must model endpoint changes');
      const reference = full(live, endpoints);
      const route = reference.routes.get('default-default-l');
      expect(fast.desired.routes.get('default-default-l')).toEqual(route);
      expect(fast.desired.services).toEqual(reference.services);
      // The other Service's route is untouched; the Local one is written only when it changed.
      expect([...result.routes.keys()]).toEqual(route === undefined ? [] : ['default-default-l']);
      expect(result.removedRoutes).toEqual(
        route === undefined && previous !== undefined ? ['default-default-l'] : [],
      );
      expect(result.events.map((e) => e.reason)).toEqual([
        ...(counts.has('node-04') ? ['EndpointsOutsidePool'] : []),
        ...(route === undefined ? ['NoLocalEndpoints'] : []),
      ]);
      previous = route;
    }
  });

  it('refuses (full path) what it does not model: requested IPs, status conflicts, class changes', () => {
    const initial = [service({ name: 'a', created: T0 - 9000 })];
    const first = full(initial);
    const mk = () =>
      ServiceFastPath.from(first, {
        clusterNamespace: 'cluster-bm',
        loadBalancerClass: OPTIONS.loadBalancerClass,
      })!;
    expect(mk().apply(new Map([['default/r', service({ name: 'r', loadBalancerIP: '10.1.0.9' })]]))).toBe(
      'full',
    );
    const vipA = first.services.get('default/a')!.vip!;
    expect(mk().apply(new Map([['default/x', service({ name: 'x', vip: vipA })]]))).toBe('full');
    expect(mk().apply(new Map([['default/a', service({ name: 'a', vip: '10.1.0.7' })]]))).toBe('full');
    expect(mk().apply(new Map([['default/a', service({ name: 'a', loadBalancerClass: 'other' })]]))).toBe(
      'full',
    );
  });

  it('refuses with an Event when the pools are exhausted, and frees on delete', () => {
    const c = exampleConfig(EXAMPLE_FILES[0]); // 10.0.0.2-10.0.0.4 usable
    const first = desiredState({
      config: c,
      nodes: CLUSTER_NODES.map(node),
      services: [],
      now: T0,
      options: OPTIONS,
    });
    const fast = ServiceFastPath.from(first, {
      clusterNamespace: 'cluster-bm',
      loadBalancerClass: OPTIONS.loadBalancerClass,
    })!;
    const add = (name: string) => fast.apply(new Map([[`default/${name}`, service({ name, created: T0 })]]));
    for (const n of ['s1', 's2', 's3']) add(n);
    const r = add('s4');
    expect(r !== 'full' && r.events[0]).toMatchObject({ reason: 'VIPRefused', type: 'Warning' });
    // s4 waits for an address: the one s2 frees is s4's by the full path's rules, so it decides.
    expect(fast.apply(new Map([['default/s2', undefined]]))).toBe('full');
  });

  it("frees a deleted Service's VIP for the next new Service when nobody waits", () => {
    const first = desiredState({
      config: exampleConfig(EXAMPLE_FILES[0]),
      nodes: CLUSTER_NODES.map(node),
      services: [],
      now: T0,
      options: OPTIONS,
    });
    const fast = ServiceFastPath.from(first, {
      clusterNamespace: 'cluster-bm',
      loadBalancerClass: OPTIONS.loadBalancerClass,
    })!;
    const add = (name: string) => fast.apply(new Map([[`default/${name}`, service({ name, created: T0 })]]));
    for (const n of ['s1', 's2', 's3']) add(n);
    const deleted = fast.apply(new Map([['default/s2', undefined]]));
    expect(deleted !== 'full' && deleted.removedRoutes).toEqual(['default-default-s2']);
    const again = add('s5');
    expect(again !== 'full' && again.services.get('default/s5')?.vip).toBe('10.0.0.3');
  });

  it('is not built from an invalid desired state', () => {
    const bad = desiredState({
      config: { bgpPeers: [] },
      nodes: [],
      services: [],
      now: T0,
      options: OPTIONS,
    });
    expect(ServiceFastPath.from(bad, { clusterNamespace: 'x', loadBalancerClass: 'y' })).toBeUndefined();
  });
});

describe('ServiceFastPath.usage', () => {
  it('tracks pool usage as Services come and go (reservations included)', () => {
    const first = desiredState({
      config: exampleConfig(EXAMPLE_FILES[0]),
      nodes: CLUSTER_NODES.map(node),
      services: [],
      now: T0,
      options: OPTIONS,
    });
    const fast = ServiceFastPath.from(first, {
      clusterNamespace: 'cluster-bm',
      loadBalancerClass: OPTIONS.loadBalancerClass,
    })!;
    expect(fast.usage()).toEqual(first.poolUsage);
    fast.apply(new Map([['default/x', service({ name: 'x' })]]));
    expect(fast.usage()[0]?.used).toBe((first.poolUsage[0]?.used ?? 0) + 1);
    fast.apply(new Map([['default/x', undefined]]));
    expect(fast.usage()).toEqual(first.poolUsage);
  });
});

describe('ServiceFastPath leaves route-name clashes to the full path', () => {
  const older = service({ namespace: 'a-b', name: 'c', created: T0 - 100_000 });
  const newer = service({ namespace: 'a', name: 'b-c', created: T0 - 50_000 });
  const options = { clusterNamespace: 'cluster-bm', loadBalancerClass: OPTIONS.loadBalancerClass };
  const start = () => {
    const first = full([older, newer]);
    expect(first.services.get('a/b-c')?.vip).toBeNull();
    return { first, fast: ServiceFastPath.from(first, options)! };
  };

  it('a new Service whose name is taken, a change to the loser, and the winner leaving all go full', () => {
    expect(
      start().fast.apply(
        new Map([[keyOf(newer), { ...newer, metadata: { ...newer.metadata, labels: { x: 'y' } } }]]),
      ),
    ).toBe('full');
    expect(start().fast.apply(new Map([[keyOf(older), undefined]]))).toBe('full');
    const switched = { ...older, spec: { ...older.spec, externalTrafficPolicy: 'Local' } } as ServiceObject;
    expect(start().fast.apply(new Map([[keyOf(switched), switched]]))).toBe('full');
    const third = service({ namespace: 'a-b-c', name: 'x', created: T0 - 10_000 });
    const clash = service({ namespace: 'a', name: 'b-c-x', created: T0 }); // default-a-b-c-x is free
    const s = start().fast;
    expect(s.apply(new Map([[keyOf(third), third]]))).not.toBe('full');
    // default-a-b-c-x is now third's: a later Service with that name is a clash.
    expect(s.apply(new Map([[keyOf(clash), clash]]))).toBe('full');
  });

  it('other Services still take the fast path, with the same answer as the full path', () => {
    const { fast } = start();
    const other = service({ name: 'other', created: T0 });
    const r = fast.apply(new Map([[keyOf(other), other]]));
    expect(r !== 'full' && r.services.get('default/other')?.vip).toBe(
      full([older, newer, other]).services.get('default/other')?.vip,
    );
  });
});

describe('ServiceFastPath: IPv6 and dual-stack Services', () => {
  const dualConfig = (): ConfigObjects => {
    const c = config();
    const cluster = c.cluster as { spec: { loadBalancer: { addressPools: { addresses: string[] }[] } } };
    cluster.spec.loadBalancer.addressPools[0]!.addresses.push('2001:db8:100::/120');
    return c;
  };
  const dualNodes = CLUSTER_NODES.map((n, i) => node(i < 2 ? { ...n, ip6: `2001:db8:1::1${i}` } : n));
  const fullDual = (services: ServiceObject[]) =>
    desiredState({ config: dualConfig(), nodes: dualNodes, services, now: T0, options: OPTIONS });
  const options = { clusterNamespace: 'cluster-bm', loadBalancerClass: OPTIONS.loadBalancerClass };
  const web = service({ name: 'web', created: T0 - 9000 });
  const routeNames = (d: { routes: ReadonlyMap<string, unknown> }) => [...d.routes.keys()].sort();

  it('a new dual-stack Service gets a VIP and a route per family without the full path; deleting it frees both', () => {
    const fast = ServiceFastPath.from(fullDual([web]), options)!;
    const dual = service({
      name: 'dual',
      created: T0 - 1000,
      ipFamilies: ['IPv6', 'IPv4'],
      ipFamilyPolicy: 'RequireDualStack',
    });
    const r = fast.apply(new Map([[keyOf(dual), dual]]));
    if (r === 'full') throw new Error('a dual-stack Service must take the incremental path');
    const reference = fullDual([web, dual]);
    expect(r.services.get('default/dual')).toEqual(reference.services.get('default/dual'));
    expect(r.services.get('default/dual')).toMatchObject({ vip: '2001:db8:100::1', secondVip: '10.0.0.3' });
    // The primary family (IPv6) keeps the plain name; the IPv4 route is `-ipv4`.
    expect([...r.routes.keys()].sort()).toEqual(['default-default-dual', 'default-default-dual-ipv4']);
    expect(r.routes.get('default-default-dual')?.spec).toEqual(
      reference.routes.get('default-default-dual')?.spec,
    );
    expect(r.routes.get('default-default-dual')?.spec.nextHops).toEqual(['2001:db8:1::10', '2001:db8:1::11']);
    expect(routeNames(fast.desired)).toEqual(routeNames(reference));
    expect(r.events.map((e) => e.message)).toEqual([
      'VIP 2001:db8:100::1 allocated',
      'VIP 10.0.0.3 allocated',
    ]);
    expect(r.events).toEqual(reference.events.filter((e) => e.involved.name === 'dual'));

    const gone = fast.apply(new Map([[keyOf(dual), undefined]]));
    if (gone === 'full') throw new Error('deleting a dual-stack Service must take the incremental path');
    expect(gone.removedRoutes.sort()).toEqual(['default-default-dual', 'default-default-dual-ipv4']);
    expect(routeNames(fast.desired)).toEqual(routeNames(fullDual([web])));
    // Both addresses are free again: the next IPv6 Service gets the first one.
    const v6 = service({ name: 'v6', created: T0, ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' });
    const next = fast.apply(new Map([[keyOf(v6), v6]]));
    expect(next !== 'full' && next.services.get('default/v6')?.vip).toBe('2001:db8:100::1');
  });

  it('a Service that becomes dual-stack keeps its IPv4 VIP and gains an IPv6 one; the reverse goes full', () => {
    const first = fullDual([web]);
    const live = withStatus([web], first.services)[0]!;
    const upgraded = {
      ...live,
      spec: { ...live.spec, ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' },
    };
    const fast = ServiceFastPath.from(first, options)!;
    const r = fast.apply(new Map([[keyOf(web), upgraded]]));
    if (r === 'full') throw new Error('gaining a family must take the incremental path');
    expect(r.services.get('default/web')).toEqual({
      namespace: 'default',
      name: 'web',
      vip: '10.0.0.2',
      secondVip: '2001:db8:100::1',
    });
    expect(r.services.get('default/web')).toEqual(fullDual([upgraded]).services.get('default/web'));
    // Back to IPv4 only: dropping a family is the full path's to decide.
    expect(fast.apply(new Map([[keyOf(web), live]]))).toBe('full');
  });

  it('a status that is not what was decided, or an exhausted family, goes full', () => {
    const dual = service({
      name: 'dual',
      created: T0,
      ipFamilies: ['IPv4', 'IPv6'],
      ipFamilyPolicy: 'RequireDualStack',
    });
    const first = fullDual([web, dual]);
    const [, live] = withStatus([web, dual], first.services);
    // withStatus writes only the first VIP: the IPv6 one the controller decided is missing.
    expect(ServiceFastPath.from(first, options)!.apply(new Map([[keyOf(dual), live!]]))).toBe('full');
    const tiny = (): ConfigObjects => {
      const c = config();
      const cluster = c.cluster as { spec: { loadBalancer: { addressPools: { addresses: string[] }[] } } };
      cluster.spec.loadBalancer.addressPools[0]!.addresses.push('2001:db8:100::/127'); // ::1 only
      return c;
    };
    const d0 = desiredState({
      config: tiny(),
      nodes: dualNodes,
      services: [web, dual],
      now: T0,
      options: OPTIONS,
    });
    const another = service({
      name: 'another',
      created: T0 + 1,
      ipFamilies: ['IPv6'],
      ipFamilyPolicy: 'SingleStack',
    });
    expect(ServiceFastPath.from(d0, options)!.apply(new Map([[keyOf(another), another]]))).toBe('full');
  });
});
