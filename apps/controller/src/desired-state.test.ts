import { describe, expect, it } from 'vitest';
import type { ConfigObjects } from './config.js';
import {
  type DesiredStateOptions,
  desiredState,
  MemoizedDesiredState,
  type Observed,
} from './desired-state.js';
import {
  CLUSTER_NODES,
  EXAMPLE_FILES,
  exampleConfig,
  type NodeFixture,
  node,
  service,
  T0,
} from './test-support/fixtures.js';
import type { SessionSpec } from './types.js';

const OPTIONS: DesiredStateOptions = {
  clusterNamespace: 'cluster-bm',
  graceSeconds: 30,
  nodePrefixLength: 24,
  loadBalancerClass: 'networking.gke.io/bgplb',
};

function withStatus(config: ConfigObjects, floatingIPs: Record<string, string>): ConfigObjects {
  const ngg = config.networkGatewayGroup as Record<string, unknown>;
  return { ...config, networkGatewayGroup: { ...ngg, status: { floatingIPs } } };
}

function observe(config: ConfigObjects, nodes: NodeFixture[], extra: Partial<Observed> = {}): Observed {
  return {
    config,
    nodes: nodes.map(node),
    services: [service({ name: 'load-balancer-example' })],
    now: T0,
    options: OPTIONS,
    ...extra,
  };
}

function spec(peerIP: string, node: string, ip: string): SessionSpec {
  return { floatingIP: ip, localASN: 65001, localIP: ip, nodeName: node, peerASN: 65002, peerIP };
}

const allReady = CLUSTER_NODES;
const notReady = (name: string, secondsAgo: number): NodeFixture[] =>
  CLUSTER_NODES.map((n) => (n.name === name ? { ...n, ready: false, since: T0 - secondsAgo * 1000 } : n));

interface Case {
  title: string;
  file: (typeof EXAMPLE_FILES)[number];
  nodes: NodeFixture[];
  /** NetworkGatewayGroup status before the reconcile (what an earlier run wrote). */
  previous?: Record<string, string>;
  floatingIPs: Record<string, string>;
  sessions: Record<string, SessionSpec>;
  nextHops: string[];
  moved?: string[];
}

const FIRST_RUN_12 = { '10.0.1.100': 'node-02', '10.0.2.100': 'node-03' };
const FIRST_RUN_3 = { '10.0.3.100': 'node-04', '10.0.3.101': 'node-05' };

const cases: Case[] = [
  {
    title: '01 all nodes ready: every control-plane peer gets a session from each floating IP',
    file: EXAMPLE_FILES[0],
    nodes: allReady,
    floatingIPs: FIRST_RUN_12,
    sessions: {
      '10.8.0.10-node-02': spec('10.8.0.10', 'node-02', '10.0.1.100'),
      '10.8.0.10-node-03': spec('10.8.0.10', 'node-03', '10.0.2.100'),
      '10.8.0.11-node-02': spec('10.8.0.11', 'node-02', '10.0.1.100'),
      '10.8.0.11-node-03': spec('10.8.0.11', 'node-03', '10.0.2.100'),
    },
    nextHops: ['10.0.1.10', '10.0.1.11', '10.0.2.10'],
  },
  {
    title: '01 holder node-02 not ready past the grace period: 10.0.1.100 moves to node-01',
    file: EXAMPLE_FILES[0],
    nodes: notReady('node-02', 60),
    previous: FIRST_RUN_12,
    floatingIPs: { '10.0.1.100': 'node-01', '10.0.2.100': 'node-03' },
    sessions: {
      '10.8.0.10-node-01': spec('10.8.0.10', 'node-01', '10.0.1.100'),
      '10.8.0.10-node-03': spec('10.8.0.10', 'node-03', '10.0.2.100'),
      '10.8.0.11-node-01': spec('10.8.0.11', 'node-01', '10.0.1.100'),
      '10.8.0.11-node-03': spec('10.8.0.11', 'node-03', '10.0.2.100'),
    },
    nextHops: ['10.0.1.10', '10.0.2.10'],
    moved: ['10.0.1.100'],
  },
  {
    title: '01 holder node-02 not ready within the grace period: nothing moves, its next hop goes',
    file: EXAMPLE_FILES[0],
    nodes: notReady('node-02', 5),
    previous: FIRST_RUN_12,
    floatingIPs: FIRST_RUN_12,
    sessions: {
      '10.8.0.10-node-02': spec('10.8.0.10', 'node-02', '10.0.1.100'),
      '10.8.0.10-node-03': spec('10.8.0.10', 'node-03', '10.0.2.100'),
      '10.8.0.11-node-02': spec('10.8.0.11', 'node-02', '10.0.1.100'),
      '10.8.0.11-node-03': spec('10.8.0.11', 'node-03', '10.0.2.100'),
    },
    nextHops: ['10.0.1.10', '10.0.2.10'],
  },
  {
    title: '02 all nodes ready: session names carry the rack ToR IPs',
    file: EXAMPLE_FILES[1],
    nodes: allReady,
    floatingIPs: FIRST_RUN_12,
    sessions: {
      '10.0.1.254-node-02': spec('10.0.1.254', 'node-02', '10.0.1.100'),
      '10.0.1.254-node-03': spec('10.0.1.254', 'node-03', '10.0.2.100'),
      '10.0.2.254-node-02': spec('10.0.2.254', 'node-02', '10.0.1.100'),
      '10.0.2.254-node-03': spec('10.0.2.254', 'node-03', '10.0.2.100'),
    },
    nextHops: ['10.0.1.10', '10.0.1.11', '10.0.2.10'],
  },
  {
    title: '02 node-03 not ready past grace: 10.0.2.100 has no other node in its subnet and is unassigned',
    file: EXAMPLE_FILES[1],
    nodes: notReady('node-03', 60),
    previous: FIRST_RUN_12,
    floatingIPs: { '10.0.1.100': 'node-02' },
    sessions: {
      '10.0.1.254-node-02': spec('10.0.1.254', 'node-02', '10.0.1.100'),
      '10.0.2.254-node-02': spec('10.0.2.254', 'node-02', '10.0.1.100'),
    },
    nextHops: ['10.0.1.10', '10.0.1.11'],
    moved: ['10.0.2.100'],
  },
  {
    title: '03 all ready: bgppeer1 (sessions: 2) gets one session per LB-subnet floating IP',
    file: EXAMPLE_FILES[2],
    nodes: allReady,
    floatingIPs: FIRST_RUN_3,
    sessions: {
      'bgppeer1-node-04': spec('10.0.3.254', 'node-04', '10.0.3.100'),
      'bgppeer1-node-05': spec('10.0.3.254', 'node-05', '10.0.3.101'),
    },
    nextHops: ['10.0.3.10', '10.0.3.11'],
  },
  {
    title: '03 node-04 not ready past grace: both floating IPs on node-05, one session (distinct nodes)',
    file: EXAMPLE_FILES[2],
    nodes: notReady('node-04', 60),
    previous: FIRST_RUN_3,
    floatingIPs: { '10.0.3.100': 'node-05', '10.0.3.101': 'node-05' },
    sessions: { 'bgppeer1-node-05': spec('10.0.3.254', 'node-05', '10.0.3.101') },
    nextHops: ['10.0.3.11'],
    moved: ['10.0.3.100'],
  },
];

describe('desiredState over the spec examples', () => {
  it.each(cases)('$title', (c) => {
    const base = exampleConfig(c.file);
    const config = c.previous ? withStatus(base, c.previous) : base;
    const d = desiredState(observe(config, c.nodes));
    expect(d.valid).toBe(true);
    expect(d.config.refused).toEqual([]);
    expect(d.gateway?.floatingIPs).toEqual(c.floatingIPs);
    expect(Object.fromEntries([...d.sessions].map(([name, s]) => [name, s.spec]))).toEqual(c.sessions);
    for (const [name, s] of d.sessions) {
      expect(name).toBe(`${s.labels['networking.gke.io/peer']}-${s.spec.nodeName}`);
      expect(s.labels['networking.gke.io/node']).toBe(s.spec.nodeName);
      expect(s.labels['app.kubernetes.io/managed-by']).toBe('bgplb-controller');
      // Service sessions say so; the control-plane advertiser's carry `control-plane`.
      expect(s.labels['bgplb.io/session-kind']).toBe('service');
    }
    expect([...d.routes.values()]).toEqual([
      {
        name: 'default-default-load-balancer-example',
        labels: {
          'app.kubernetes.io/managed-by': 'bgplb-controller',
          'networking.gke.io/cluster-namespace': 'cluster-bm',
          'networking.gke.io/service-namespace': 'default',
          'networking.gke.io/service-name': 'load-balancer-example',
        },
        // 10.0.0.1 is the reserved ingress VIP, so the first Service gets 10.0.0.2.
        spec: {
          prefix: '10.0.0.2/32',
          metric: 0,
          nextHops: c.nextHops,
          service: { namespace: 'default', name: 'load-balancer-example' },
        },
        status: { nextHops: expect.any(Array) },
      },
    ]);
    // Status lists every load-balancer node address; the announced ones are the next hops.
    const states = [...d.routes.values()][0]!.status!.nextHops!;
    expect(states.filter((h) => h.state === 'announced').map((h) => h.nextHop)).toEqual(c.nextHops);
    expect(d.services.get('default/load-balancer-example')?.vip).toBe('10.0.0.2');
    const moves = d.floatingIPMoves.filter((m) => m.from !== null).map((m) => m.ip);
    expect(moves).toEqual(c.moved ?? []);
    const moveEvents = d.events.filter(
      (e) => e.reason === 'FloatingIPMoved' || e.reason === 'FloatingIPUnassigned',
    );
    expect(moveEvents.map((e) => e.message.split(' ')[2])).toEqual(c.moved ?? []);
    for (const e of moveEvents)
      expect(e.involved).toMatchObject({ kind: 'NetworkGatewayGroup', name: 'default' });
  });

  it.each(EXAMPLE_FILES)('%s: a restart (status read back) moves nothing and emits no VIP event', (file) => {
    const first = desiredState(observe(exampleConfig(file), allReady));
    const again = desiredState(
      observe(withStatus(exampleConfig(file), first.gateway!.floatingIPs), allReady, {
        services: [service({ name: 'load-balancer-example', vip: '10.0.0.2' })],
      }),
    );
    expect(again.gateway).toEqual(first.gateway);
    expect(again.sessions).toEqual(first.sessions);
    expect(again.routes).toEqual(first.routes);
    expect(again.floatingIPMoves).toEqual([]);
    expect(again.events).toEqual([]);
  });

  it('03: a node that comes back does not take its floating IP back', () => {
    const d = desiredState(
      observe(
        withStatus(exampleConfig(EXAMPLE_FILES[2]), { '10.0.3.100': 'node-05', '10.0.3.101': 'node-05' }),
        allReady,
      ),
    );
    expect(d.gateway?.floatingIPs).toEqual({ '10.0.3.100': 'node-05', '10.0.3.101': 'node-05' });
    expect(d.recheckAt).toBeNull();
  });

  it('asks for a recheck when a grace period is running', () => {
    const d = desiredState(
      observe(withStatus(exampleConfig(EXAMPLE_FILES[0]), FIRST_RUN_12), notReady('node-02', 5)),
    );
    expect(d.recheckAt).toBe(T0 + 25_000);
  });
});

describe('desiredState: nodes labelled exclude-from-external-load-balancers hold no floating IPs', () => {
  const EXCLUDE = { 'node.kubernetes.io/exclude-from-external-load-balancers': '' };
  const nodesWith = (changes: Record<string, Partial<NodeFixture>>): NodeFixture[] =>
    CLUSTER_NODES.map((n) => ({ ...n, ...changes[n.name] }));

  interface ExcludeCase {
    title: string;
    nodes: NodeFixture[];
    /** Observed.drainingSince: when earlier reconciles first saw the label, seconds before T0. */
    seenSecondsAgo?: Record<string, number>;
    previous?: Record<string, string>;
    floatingIPs: Record<string, string>;
    nodeStatus: Record<string, 'Up' | 'Down'>;
    moved: string[];
    recheckAt: number | null;
    drainingSince: Record<string, number>;
  }
  const excludeCases: ExcludeCase[] = [
    {
      title: 'first run: an excluded node gets no floating IP (node-01 takes 10.0.1.100)',
      nodes: nodesWith({ 'node-02': { labels: EXCLUDE } }),
      floatingIPs: { '10.0.1.100': 'node-01', '10.0.2.100': 'node-03' },
      nodeStatus: { 'node-01': 'Up', 'node-02': 'Down', 'node-03': 'Up' },
      moved: [],
      // Its drain (15 s, a next hop with GRACEFUL_SHUTDOWN) ends before the grace period (30 s).
      recheckAt: T0 + 15_000,
      drainingSince: { 'node-02': T0 },
    },
    {
      title: 'holder labelled just now: it keeps its floating IP for the grace period',
      nodes: nodesWith({ 'node-02': { labels: EXCLUDE } }),
      previous: FIRST_RUN_12,
      floatingIPs: FIRST_RUN_12,
      nodeStatus: { 'node-01': 'Up', 'node-02': 'Down', 'node-03': 'Up' },
      moved: [],
      recheckAt: T0 + 15_000,
      drainingSince: { 'node-02': T0 },
    },
    {
      title: 'holder labelled 5 s ago: still within the grace period',
      nodes: nodesWith({ 'node-02': { labels: EXCLUDE } }),
      seenSecondsAgo: { 'node-02': 5 },
      previous: FIRST_RUN_12,
      floatingIPs: FIRST_RUN_12,
      nodeStatus: { 'node-01': 'Up', 'node-02': 'Down', 'node-03': 'Up' },
      moved: [],
      recheckAt: T0 + 10_000,
      drainingSince: { 'node-02': T0 - 5_000 },
    },
    {
      title: 'holder labelled 60 s ago: past the grace period, 10.0.1.100 moves to node-01',
      nodes: nodesWith({ 'node-02': { labels: EXCLUDE } }),
      seenSecondsAgo: { 'node-02': 60 },
      previous: FIRST_RUN_12,
      floatingIPs: { '10.0.1.100': 'node-01', '10.0.2.100': 'node-03' },
      nodeStatus: { 'node-01': 'Up', 'node-02': 'Down', 'node-03': 'Up' },
      moved: ['10.0.1.100'],
      recheckAt: null,
      drainingSince: { 'node-02': T0 - 60_000 },
    },
    {
      title: 'labelled 5 s ago but NotReady for 60 s: unusable since the earlier time, so it moves',
      nodes: nodesWith({ 'node-02': { labels: EXCLUDE, ready: false, since: T0 - 60_000 } }),
      seenSecondsAgo: { 'node-02': 5 },
      previous: FIRST_RUN_12,
      floatingIPs: { '10.0.1.100': 'node-01', '10.0.2.100': 'node-03' },
      nodeStatus: { 'node-01': 'Up', 'node-02': 'Down', 'node-03': 'Up' },
      moved: ['10.0.1.100'],
      recheckAt: null,
      drainingSince: { 'node-02': T0 - 5_000 },
    },
    {
      title: 'only other node of the subnet excluded: the holder keeps its IP, and no move back later',
      nodes: nodesWith({ 'node-01': { labels: EXCLUDE } }),
      seenSecondsAgo: { 'node-01': 600 },
      previous: FIRST_RUN_12,
      floatingIPs: FIRST_RUN_12,
      nodeStatus: { 'node-01': 'Down', 'node-02': 'Up', 'node-03': 'Up' },
      moved: [],
      recheckAt: null,
      drainingSince: { 'node-01': T0 - 600_000 },
    },
    {
      title: 'label removed: the node is usable again and forgotten by drainingSince',
      nodes: CLUSTER_NODES,
      seenSecondsAgo: { 'node-02': 60 },
      previous: FIRST_RUN_12,
      floatingIPs: FIRST_RUN_12,
      nodeStatus: { 'node-01': 'Up', 'node-02': 'Up', 'node-03': 'Up' },
      moved: [],
      recheckAt: null,
      drainingSince: {},
    },
  ];

  it.each(excludeCases)('$title', (c) => {
    const base = exampleConfig(EXAMPLE_FILES[0]);
    const config = c.previous ? withStatus(base, c.previous) : base;
    const seen = new Map(Object.entries(c.seenSecondsAgo ?? {}).map(([n, s]) => [n, T0 - s * 1000]));
    const d = desiredState(observe(config, c.nodes, { drainingSince: seen }));
    expect(d.gateway?.floatingIPs).toEqual(c.floatingIPs);
    expect(d.gateway?.nodes).toEqual(c.nodeStatus);
    expect(d.floatingIPMoves.filter((m) => m.from !== null).map((m) => m.ip)).toEqual(c.moved);
    expect(d.recheckAt).toBe(c.recheckAt);
    expect(Object.fromEntries(d.drainingSince)).toEqual(c.drainingSince);
    // Sessions follow the floating IPs: none from an excluded node once its IPs have moved.
    for (const s of d.sessions.values()) expect(Object.values(c.floatingIPs)).toContain(s.spec.nodeName);
    // Excluded (draining) nodes are next hops only in the first 15 s of their drain, and then
    // marked as draining (GRACEFUL_SHUTDOWN); afterwards never.
    const excluded = c.nodes.filter((n) => n.labels !== undefined);
    for (const r of d.routes.values())
      for (const n of excluded) {
        const seen = c.seenSecondsAgo?.[n.name] ?? 0;
        if (n.ready !== false && seen < 15) expect(r.spec.drain?.nextHops).toContain(n.ip);
        else expect(r.spec.nextHops).not.toContain(n.ip);
      }
  });

  it('moves the holder only after the grace period, across reconciles that carry drainingSince forward', () => {
    const nodes = nodesWith({ 'node-02': { labels: EXCLUDE } });
    const config = withStatus(exampleConfig(EXAMPLE_FILES[0]), FIRST_RUN_12);
    const first = desiredState(observe(config, nodes));
    expect(first.gateway?.floatingIPs).toEqual(FIRST_RUN_12);
    // The drain of its paths ends first (15 s), then the grace period of its floating IP (30 s).
    expect(first.recheckAt).toBe(T0 + 15_000);

    const early = desiredState(
      observe(config, nodes, { now: T0 + 29_000, drainingSince: first.drainingSince }),
    );
    expect(early.floatingIPMoves).toEqual([]);
    expect(early.drainingSince.get('node-02')).toBe(T0);

    const due = desiredState(
      observe(config, nodes, { now: T0 + 30_000, drainingSince: early.drainingSince }),
    );
    expect(due.gateway?.floatingIPs).toEqual({ '10.0.1.100': 'node-01', '10.0.2.100': 'node-03' });
    expect(due.sessions.has('10.8.0.10-node-01')).toBe(true);
    expect(due.sessions.has('10.8.0.10-node-02')).toBe(false);
    const moved = due.events.find((e) => e.reason === 'FloatingIPMoved');
    expect(moved?.message).toBe(
      'floating IP 10.0.1.100 moved from node node-02 to node node-01 ' +
        '(node-not-ready: node node-02 carries node.kubernetes.io/exclude-from-external-load-balancers)',
    );
  });
});

describe('desiredState: Services', () => {
  const config = exampleConfig(EXAMPLE_FILES[0]);
  const run = (services: Observed['services']) => desiredState(observe(config, allReady, { services }));

  const lbObject = (spec: Record<string, unknown>) => ({
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPLoadBalancer',
    metadata: { name: 'default', namespace: 'cluster-bm' },
    spec: { peerSelector: {}, ...spec },
  });
  const refusing: ConfigObjects = {
    ...config,
    bgpLoadBalancer: lbObject({ externalTrafficPolicyLocal: 'refuse' }),
  };

  it('with externalTrafficPolicyLocal: refuse, refuses externalTrafficPolicy: Local with a Warning, no VIP and no route', () => {
    const d = desiredState(
      observe(refusing, allReady, { services: [service({ name: 'local', etpLocal: true })] }),
    );
    expect(d.services.get('default/local')?.vip).toBeNull();
    expect(d.routes.size).toBe(0);
    const e = d.events.find((x) => x.involved.name === 'local');
    expect(e).toMatchObject({ type: 'Warning', reason: 'VIPRefused' });
    expect(e?.message).toContain('externalTrafficPolicy: Local is refused by the BGPLoadBalancer');
  });

  it('with externalTrafficPolicyLocal: refuse, releases the VIP of a Service switched to Local', () => {
    const d = desiredState(
      observe(refusing, allReady, {
        services: [service({ name: 'local', etpLocal: true, vip: '10.0.0.2' })],
      }),
    );
    expect(d.services.get('default/local')?.vip).toBeNull();
    expect(d.events.map((e) => e.reason)).toContain('VIPReleased');
  });

  // LB nodes of example 01: node-01 10.0.1.10, node-02 10.0.1.11, node-03 10.0.2.10; node-04 is not one.
  const endpoints = new Map([
    [
      'default/local',
      new Map([
        ['node-01', 3],
        ['node-02', 1],
        ['node-04', 2],
      ]),
    ],
  ]);
  const runLocal = (c: ConfigObjects, extra: Partial<Observed> = {}) =>
    desiredState(
      observe(c, allReady, { services: [service({ name: 'local', etpLocal: true })], endpoints, ...extra }),
    );

  it('announces a Local Service from the LB nodes with ready endpoints, weighted by their number', () => {
    const d = runLocal(config);
    expect(d.services.get('default/local')?.vip).toBe('10.0.0.2');
    const route = d.routes.get('default-default-local');
    expect(route?.spec).toEqual({
      prefix: '10.0.0.2/32',
      metric: 0,
      nextHops: ['10.0.1.10', '10.0.1.11'],
      service: { namespace: 'default', name: 'local' },
      weights: { '10.0.1.10': 3, '10.0.1.11': 1 },
    });
    expect(route?.status).toEqual({
      nextHops: [
        { nextHop: '10.0.1.10', node: 'node-01', state: 'announced', reason: 'ready load-balancer node' },
        { nextHop: '10.0.1.11', node: 'node-02', state: 'announced', reason: 'ready load-balancer node' },
        {
          nextHop: '10.0.2.10',
          node: 'node-03',
          state: 'withdrawn',
          reason: 'no ready endpoint of the Service on node node-03 (externalTrafficPolicy: Local)',
        },
      ],
      endpointsOutsidePool: { endpoints: 2, nodes: ['node-04'] },
    });
    const warning = d.events.find((e) => e.reason === 'EndpointsOutsidePool');
    expect(warning).toMatchObject({ type: 'Warning', involved: { kind: 'Service', name: 'local' } });
    expect(warning?.message).toBe(
      '2 ready endpoint(s) on node(s) node-04 get no traffic through the VIP: with externalTrafficPolicy: Local only ready load-balancer nodes are next hops',
    );
  });

  it('an LB node that is not ready is no next hop of a Local Service', () => {
    const d = runLocal(config, { nodes: notReady('node-01', 5).map(node) });
    expect(d.routes.get('default-default-local')?.spec.nextHops).toEqual(['10.0.1.11']);
    expect(d.routes.get('default-default-local')?.status?.endpointsOutsidePool).toEqual({
      endpoints: 5,
      nodes: ['node-01', 'node-04'],
    });
  });

  it('weightedECMP: off (cluster-wide or BGPLoadBalancer) sends no weights; the BGPLoadBalancer wins', () => {
    const off = { ...OPTIONS, weightedECMP: 'off' as const };
    expect(
      runLocal(config, { options: off }).routes.get('default-default-local')?.spec.weights,
    ).toBeUndefined();
    const lbOff = { ...config, bgpLoadBalancer: lbObject({ weightedECMP: 'off' }) };
    expect(runLocal(lbOff).routes.get('default-default-local')?.spec.weights).toBeUndefined();
    const lbOn = { ...config, bgpLoadBalancer: lbObject({ weightedECMP: 'endpoints' }) };
    expect(runLocal(lbOn, { options: off }).routes.get('default-default-local')?.spec.weights).toEqual({
      '10.0.1.10': 3,
      '10.0.1.11': 1,
    });
  });

  it('a Local Service without a ready endpoint on an LB node keeps its VIP, has no route, and says why', () => {
    for (const counts of [undefined, new Map([['node-05', 1]])]) {
      const d = runLocal(config, {
        endpoints: counts === undefined ? new Map() : new Map([['default/local', counts]]),
      });
      expect(d.services.get('default/local')?.vip).toBe('10.0.0.2');
      expect(d.routes.size).toBe(0);
      const e = d.events.find((x) => x.reason === 'NoLocalEndpoints');
      expect(e?.type).toBe('Warning');
      expect(e?.message).toBe(
        'VIP 10.0.0.2 is not announced: externalTrafficPolicy: Local and no ready endpoint runs on a ready load-balancer node' +
          (counts === undefined ? '' : ' (1 ready endpoint(s) run on other nodes, which get no traffic)'),
      );
    }
  });

  it('an unchanged Local route keeps its identity; a changed count makes a new one', () => {
    const memo = runLocal(config);
    const again = desiredState(
      observe(config, allReady, { services: [service({ name: 'local', etpLocal: true })], endpoints }),
      memo.memo,
    );
    expect(again.routes.get('default-default-local')).toBe(memo.routes.get('default-default-local'));
    const more = new Map([['default/local', new Map([['node-01', 4]])]]);
    const changed = desiredState(
      observe(config, allReady, { services: [service({ name: 'local', etpLocal: true })], endpoints: more }),
      memo.memo,
    );
    expect(changed.routes.get('default-default-local')?.spec.weights).toEqual({ '10.0.1.10': 4 });
  });

  it('leaves Services of another loadBalancerClass and non-LoadBalancer Services alone', () => {
    const d = run([
      service({ name: 'other', loadBalancerClass: 'example.com/other', vip: '192.0.2.1' }),
      service({ name: 'cip', type: 'ClusterIP' }),
    ]);
    expect(d.services.size).toBe(0);
    expect(d.routes.size).toBe(0);
  });

  it('clears the VIP of a Service that is no longer of type LoadBalancer', () => {
    const d = run([service({ name: 'was-lb', type: 'ClusterIP', vip: '10.0.0.3' })]);
    expect(d.services.get('default/was-lb')).toEqual({ namespace: 'default', name: 'was-lb', vip: null });
  });

  it('keeps VIPs sticky, honours requests and refuses when the pool is exhausted', () => {
    const d = run([
      service({ name: 'a', vip: '10.0.0.4', created: T0 - 5000 }),
      service({ name: 'b', loadBalancerIP: '10.0.0.3', created: T0 - 4000 }),
      service({ name: 'c', created: T0 - 3000 }),
      service({ name: 'd', created: T0 - 2000 }),
    ]);
    expect(d.services.get('default/a')?.vip).toBe('10.0.0.4');
    expect(d.services.get('default/b')?.vip).toBe('10.0.0.3');
    expect(d.services.get('default/c')?.vip).toBe('10.0.0.2');
    expect(d.services.get('default/d')?.vip).toBeNull();
    expect(d.events.find((e) => e.involved.name === 'd')).toMatchObject({
      type: 'Warning',
      reason: 'VIPRefused',
    });
    expect(d.poolUsage).toEqual([{ pool: 'pool1', size: 4, used: 4 }]);
  });

  it('names routes after the BGPLoadBalancer when there is one', () => {
    const d = desiredState(observe(exampleConfig(EXAMPLE_FILES[2]), allReady));
    expect([...d.routes.keys()]).toEqual(['default-default-load-balancer-example']);
  });

  it('never announces excluded (once drained) or unknown load-balancer nodes as next hops', () => {
    const nodes = CLUSTER_NODES.filter((n) => n.name !== 'node-03').map((n) =>
      n.name === 'node-01'
        ? { ...n, labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } }
        : n,
    );
    const d = desiredState(observe(config, nodes, { drainingSince: new Map([['node-01', T0 - 60_000]]) }));
    expect([...d.routes.values()][0]?.spec.nextHops).toEqual(['10.0.1.11']);
    expect(d.warnings.join('\n')).toContain('10.0.2.10 matches no Node');
  });
});

describe('desiredState: route-name clashes (<lb>-<namespace>-<name>)', () => {
  const config = exampleConfig(EXAMPLE_FILES[0]);
  const run = (services: Observed['services']) => desiredState(observe(config, allReady, { services }));
  // Both map to the BGPAdvertisedRoute name default-a-b-c.
  const older = service({ namespace: 'a-b', name: 'c', created: T0 - 100_000 });
  const newer = service({ namespace: 'a', name: 'b-c', created: T0 - 50_000, vip: '10.0.0.3' });

  it('the older Service keeps the name; the other gets no VIP, is released and is told why', () => {
    for (const services of [
      [older, newer],
      [newer, older],
    ]) {
      const d = run(services);
      expect([...d.routes.keys()]).toEqual(['default-a-b-c']);
      expect(d.routes.get('default-a-b-c')?.spec.service).toEqual({ namespace: 'a-b', name: 'c' });
      expect(d.services.get('a-b/c')?.vip).toBe('10.0.0.2');
      // Status never claims an address that is not announced: the loser's VIP is cleared.
      expect(d.services.get('a/b-c')).toEqual({ namespace: 'a', name: 'b-c', vip: null });
      expect(d.serviceContext?.routeNameLosers).toEqual(new Map([['a/b-c', 'default-a-b-c']]));
      const onLoser = d.events.filter((e) => e.involved.namespace === 'a' && e.involved.name === 'b-c');
      expect(onLoser).toEqual([
        {
          involved: expect.objectContaining({ kind: 'Service', namespace: 'a', name: 'b-c' }),
          type: 'Warning',
          reason: 'VIPRefused',
          message:
            'no VIP allocated and nothing announced: the BGPAdvertisedRoute name default-a-b-c ' +
            '(<bgploadbalancer>-<service namespace>-<service name>) is also the name for Service a-b/c, ' +
            'which is older and keeps it. Rename or move one of the two Services',
        },
        {
          involved: expect.objectContaining({ kind: 'Service', namespace: 'a', name: 'b-c' }),
          type: 'Normal',
          reason: 'VIPReleased',
          message: "VIP 10.0.0.3 released: the BGPAdvertisedRoute name default-a-b-c is now Service a-b/c's",
        },
      ]);
    }
  });

  it('the same age: the smaller namespace/name wins, the same way in any order', () => {
    const x = service({ namespace: 'a', name: 'b-c', created: T0 - 100_000 });
    const y = service({ namespace: 'a-b', name: 'c', created: T0 - 100_000 });
    const z = service({ namespace: 'a-b-c', name: 'd', created: T0 - 100_000 }); // another name
    const first = run([x, y, z]);
    const second = run([z, y, x]);
    expect(first.services).toEqual(second.services);
    expect(first.routes).toEqual(second.routes);
    // 'a-b/c' < 'a/b-c' ('-' sorts before '/').
    expect(first.routes.get('default-a-b-c')?.spec.service).toEqual({ namespace: 'a-b', name: 'c' });
    expect(first.routes.has('default-a-b-c-d')).toBe(true);
    expect(first.services.get('a/b-c')?.vip).toBeNull();
    expect(first.events.find((e) => e.involved.namespace === 'a')?.message).toContain(
      'which has the same age and sorts first by namespace/name',
    );
  });

  it('a Service that is not a candidate (ETP=Local refused, another class) takes no name from anyone', () => {
    const local = service({ namespace: 'a-b', name: 'c', created: T0 - 100_000, etpLocal: true });
    const refusing = {
      ...config,
      bgpLoadBalancer: {
        apiVersion: 'networking.gke.io/v1',
        kind: 'BGPLoadBalancer',
        metadata: { name: 'default', namespace: 'cluster-bm' },
        spec: { peerSelector: {}, externalTrafficPolicyLocal: 'refuse' },
      },
    };
    const d = desiredState(observe(refusing, allReady, { services: [local, newer] }));
    expect(d.routes.get('default-a-b-c')?.spec.service).toEqual({ namespace: 'a', name: 'b-c' });
    expect(d.services.get('a/b-c')?.vip).toBe('10.0.0.3');
  });

  it('when the winner goes, the other Service gets its VIP and the name', () => {
    const d = run([newer]);
    expect(d.services.get('a/b-c')?.vip).toBe('10.0.0.3');
    expect(d.routes.get('default-a-b-c')?.spec.service).toEqual({ namespace: 'a', name: 'b-c' });
    expect(d.serviceContext?.routeNameLosers.size).toBe(0);
  });
});

describe('desiredState: configuration changes', () => {
  const base = exampleConfig(EXAMPLE_FILES[2]);
  const peer = base.bgpPeers[0] as { metadata: Record<string, unknown>; spec: Record<string, unknown> };

  it('refuses a BGPPeer with peerASN == localASN and keeps its last good version in force', () => {
    const good = desiredState(observe(base, allReady));
    const bad = { ...peer, spec: { ...peer.spec, peerASN: 65001 } };
    const d = desiredState(
      observe({ ...base, bgpPeers: [bad] }, allReady, { lastGood: good.config.lastGood }),
    );
    expect(d.sessions).toEqual(good.sessions);
    expect(d.routes).toEqual(good.routes);
    expect(d.config.refused.map((r) => r.ref)).toEqual(['BGPPeer/bgppeer1']);
    const e = d.events.find((x) => x.reason === 'InvalidConfiguration');
    expect(e).toMatchObject({
      type: 'Warning',
      involved: { kind: 'BGPPeer', name: 'bgppeer1', namespace: 'cluster-bm' },
    });
    expect(e?.message).toMatch(/peerASN/);
  });

  it('ignores a new invalid BGPPeer and keeps the others', () => {
    const good = desiredState(observe(base, allReady));
    const extra = {
      ...peer,
      metadata: { ...peer.metadata, name: 'bad-peer' },
      spec: { ...peer.spec, peerASN: 65001, peerIP: '10.0.3.253' },
    };
    const d = desiredState(
      observe({ ...base, bgpPeers: [peer, extra] }, allReady, { lastGood: good.config.lastGood }),
    );
    expect(d.sessions).toEqual(good.sessions);
    expect(d.config.refused.map((r) => r.ref)).toEqual(['BGPPeer/bad-peer']);
  });

  it('writes nothing when no valid configuration was ever seen', () => {
    const bad = { ...(base.cluster as Record<string, unknown>), spec: {} };
    const d = desiredState(observe({ ...base, cluster: bad }, allReady));
    expect(d.valid).toBe(false);
    expect(d.sessions.size).toBe(0);
    expect(d.events.some((e) => e.reason === 'InvalidConfiguration' && e.involved.kind === 'Cluster')).toBe(
      true,
    );
  });

  it('selects peers by label: a peer whose labels stop matching loses its sessions', () => {
    const unlabelled = {
      ...peer,
      metadata: { ...peer.metadata, name: 'unlabelled', labels: {} },
      spec: { ...peer.spec, peerIP: '10.0.3.253' },
    };
    const d = desiredState(observe({ ...base, bgpPeers: [peer, unlabelled] }, allReady));
    expect([...d.sessions.keys()].sort()).toEqual(['bgppeer1-node-04', 'bgppeer1-node-05']);
    expect(d.events.some((e) => e.reason === 'PeerSelectorFallback')).toBe(false);
  });

  it('falls back to the control-plane peers, with an Event, when the selector matches no BGPPeer', () => {
    const unlabelled = { ...peer, metadata: { ...peer.metadata, labels: {} } };
    const d = desiredState(observe({ ...base, bgpPeers: [unlabelled] }, allReady));
    const cp = (peerIP: string, node: string, ip: string) => ({ ...spec(peerIP, node, ip), peerASN: 65002 });
    expect(Object.fromEntries([...d.sessions].map(([name, s]) => [name, s.spec]))).toEqual({
      '10.0.1.254-node-04': cp('10.0.1.254', 'node-04', '10.0.3.100'),
      '10.0.1.254-node-05': cp('10.0.1.254', 'node-05', '10.0.3.101'),
      '10.0.2.254-node-04': cp('10.0.2.254', 'node-04', '10.0.3.100'),
      '10.0.2.254-node-05': cp('10.0.2.254', 'node-05', '10.0.3.101'),
    });
    expect(d.events.filter((e) => e.reason === 'PeerSelectorFallback')).toEqual([
      {
        involved: expect.objectContaining({
          kind: 'BGPLoadBalancer',
          name: 'default',
          namespace: 'cluster-bm',
        }),
        type: 'Warning',
        reason: 'PeerSelectorFallback',
        message:
          'peerSelector {"cluster.baremetal.gke.io/default-peer":"true"} matches no BGPPeer: service sessions use the control-plane peers of the Cluster (spec.loadBalancer.bgpPeers: 10.0.1.254, 10.0.2.254)',
      },
    ]);
  });

  it('reports a shortfall when there is no NetworkGatewayGroup', () => {
    const { networkGatewayGroup: _, ...rest } = base;
    const d = desiredState(observe(rest, allReady));
    expect(d.gateway).toBeUndefined();
    expect(d.shortfalls).toEqual([
      { peer: 'bgppeer1', wanted: 2, got: 0, reason: 'no NetworkGatewayGroup "default" in cluster-bm' },
    ]);
  });
});

describe('desiredState: identity memo', () => {
  it('returns equal results with or without the memo, and reuses unchanged route objects', () => {
    const memoized = new MemoizedDesiredState();
    const services = [service({ name: 'a', vip: '10.0.0.2' }), service({ name: 'b', vip: '10.0.0.3' })];
    const plain = desiredState(observe(exampleConfig(EXAMPLE_FILES[0]), allReady, { services }));
    const first = memoized.compute(observe(exampleConfig(EXAMPLE_FILES[0]), allReady, { services }));
    const second = memoized.compute(observe(exampleConfig(EXAMPLE_FILES[0]), allReady, { services }));
    expect(first.routes).toEqual(plain.routes);
    expect(second.routes).toEqual(plain.routes);
    expect(second.routes.get('default-default-a')).toBe(first.routes.get('default-default-a'));
    expect(second.services.get('default/a')).toBe(first.services.get('default/a'));
    // A node change gives new next hops: new objects.
    const third = memoized.compute(
      observe(exampleConfig(EXAMPLE_FILES[0]), notReady('node-01', 5), { services }),
    );
    expect(third.routes.get('default-default-a')).not.toBe(second.routes.get('default-default-a'));
    expect(third.routes.get('default-default-a')?.spec.nextHops).toEqual(['10.0.1.11', '10.0.2.10']);
  });

  it('leaves the memo it was given as it was (the result carries a new one)', () => {
    const services = [service({ name: 'a', vip: '10.0.0.2' })];
    const first = desiredState(observe(exampleConfig(EXAMPLE_FILES[0]), allReady, { services }));
    const memo = first.memo;
    const routes = [...memo.routes.entries()];
    const second = desiredState(
      observe(exampleConfig(EXAMPLE_FILES[0]), allReady, { services: [...services, service({ name: 'b' })] }),
      memo,
    );
    expect([...memo.routes.entries()]).toEqual(routes);
    expect(second.memo.routes.size).toBe(2);
  });
});

describe('validLabels', () => {
  it('drops values Kubernetes would refuse and keeps the rest', async () => {
    const { validLabels } = await import('./desired-state.js');
    expect(validLabels({ a: 'node-01', b: 'x'.repeat(64), c: '10.0.1.254', d: 'bad/value', e: '' })).toEqual({
      a: 'node-01',
      c: '10.0.1.254',
      e: '',
    });
  });
});

describe('desiredState: VIP allocation memo', () => {
  it('reuses the allocation only when every input is identical', () => {
    const config = exampleConfig(EXAMPLE_FILES[0]);
    const services = [service({ name: 'a', vip: '10.0.0.3' }), service({ name: 'b' })];
    const first = desiredState(observe(config, allReady, { services }));
    const again = desiredState(observe(config, notReady('node-01', 5), { services }), first.memo);
    expect(again.memo.vips?.result).toBe(first.memo.vips?.result);
    expect(again.services).toEqual(first.services);
    const more = [...services, service({ name: 'c' })];
    const changed = desiredState(observe(config, allReady, { services: more }), again.memo);
    expect(changed.memo.vips?.result).not.toBe(first.memo.vips?.result);
    expect(changed.services.get('default/c')?.vip).toBe('10.0.0.4');
    expect(changed.services).toEqual(desiredState(observe(config, allReady, { services: more })).services);
  });
});

describe('desiredState: graceful drain of a load-balancer node (RFC 8326)', () => {
  // Example 03: load-balancer nodes node-04 (10.0.3.10) and node-05 (10.0.3.11).
  const base = exampleConfig(EXAMPLE_FILES[2]);
  const withDrainSettings = (spec: Record<string, unknown>): ConfigObjects => {
    const lb = base.bgpLoadBalancer as { spec: Record<string, unknown> };
    return { ...base, bgpLoadBalancer: { ...lb, spec: { ...lb.spec, ...spec } } };
  };
  const draining = (change: Partial<NodeFixture>) =>
    CLUSTER_NODES.map((n) => (n.name === 'node-04' ? { ...n, ...change } : n));
  const run = (config: ConfigObjects, nodes: NodeFixture[], secondsAgo: number | undefined) =>
    desiredState(
      observe(config, nodes, {
        drainingSince: new Map(secondsAgo === undefined ? [] : [['node-04', T0 - secondsAgo * 1000]]),
      }),
    );
  const route = (d: ReturnType<typeof desiredState>) => [...d.routes.values()][0]!.spec;

  it.each([
    ['cordoned', { unschedulable: true }],
    [
      'labelled exclude-from-external-load-balancers',
      { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } },
    ],
    ['annotated bgplb.io/drain', { annotations: { 'bgplb.io/drain': 'maintenance' } }],
  ] as const)('%s: announced with GRACEFUL_SHUTDOWN for drainDelay, then withdrawn', (_, change) => {
    const nodes = draining(change);
    const start = run(base, nodes, undefined);
    expect(route(start).nextHops).toEqual(['10.0.3.10', '10.0.3.11']);
    expect(route(start).drain).toEqual({ nextHops: ['10.0.3.10'], medIncrease: 0, asPathPrepend: 0 });
    expect(start.recheckAt).toBe(T0 + 15_000);
    expect(start.drainingSince.get('node-04')).toBe(T0);
    const during = run(base, nodes, 14.9);
    expect(route(during).drain?.nextHops).toEqual(['10.0.3.10']);
    const after = run(base, nodes, 15);
    expect(route(after).nextHops).toEqual(['10.0.3.11']);
    expect(route(after).drain).toBeUndefined();
  });

  it("route status: each next hop's state and why, changing as the drain goes on", () => {
    const config = withDrainSettings({ drainMEDIncrease: 1000, drainASPathPrepend: 2 });
    const hops = (d: ReturnType<typeof desiredState>) => [...d.routes.values()][0]!.status!.nextHops!;
    const lb2 = {
      nextHop: '10.0.3.11',
      node: 'node-05',
      state: 'announced',
      reason: 'ready load-balancer node',
    };
    expect(hops(run(config, CLUSTER_NODES, undefined))).toEqual([
      { nextHop: '10.0.3.10', node: 'node-04', state: 'announced', reason: 'ready load-balancer node' },
      lb2,
    ]);
    const cordoned = draining({ unschedulable: true });
    expect(hops(run(config, cordoned, 5))).toEqual([
      {
        nextHop: '10.0.3.10',
        node: 'node-04',
        state: 'draining',
        reason: 'node node-04 is cordoned: announced with GRACEFUL_SHUTDOWN until drainDelay ends',
        community: '65535:0',
        medIncrease: 1000,
        asPathPrepend: 2,
      },
      lb2,
    ]);
    expect(hops(run(config, cordoned, 15))[0]).toEqual({
      nextHop: '10.0.3.10',
      node: 'node-04',
      state: 'withdrawn',
      reason: 'node node-04 is cordoned: drained (drainDelay over)',
    });
    const annotated = draining({ annotations: { 'bgplb.io/drain': 'x' } });
    expect(hops(run(base, annotated, 1))[0]).toMatchObject({
      state: 'draining',
      reason: 'node node-04 carries bgplb.io/drain: announced with GRACEFUL_SHUTDOWN until drainDelay ends',
    });
    expect(hops(run(base, annotated, 1))[0]).not.toHaveProperty('medIncrease');
    expect(hops(run(base, draining({ ready: false }), undefined))[0]).toMatchObject({
      state: 'withdrawn',
      reason: 'node node-04 is not Ready',
    });
    const unknown = CLUSTER_NODES.filter((n) => n.name !== 'node-04');
    expect(hops(run(base, unknown, undefined))[0]).toEqual({
      nextHop: '10.0.3.10',
      state: 'withdrawn',
      reason: 'no Node has InternalIP 10.0.3.10',
    });
    // Unchanged states keep the routes identical from one reconcile to the next.
    const first = run(config, cordoned, 5);
    const again = desiredState(
      observe(config, cordoned, { drainingSince: first.drainingSince, now: T0 + 1_000 }),
      first.memo,
    );
    expect([...again.routes.values()][0]).toBe([...first.routes.values()][0]);
  });

  it('undrain: the next hop is announced again, without the drain marking', () => {
    const d = run(base, CLUSTER_NODES, 60);
    expect(route(d).nextHops).toEqual(['10.0.3.10', '10.0.3.11']);
    expect(route(d).drain).toBeUndefined();
    expect(d.drainingSince.size).toBe(0);
  });

  it("the BGPLoadBalancer's drainDelay, MED increase and AS-path prepend", () => {
    const config = withDrainSettings({ drainDelay: 40, drainMEDIncrease: 1000, drainASPathPrepend: 3 });
    const d = run(config, draining({ unschedulable: true }), 20);
    expect(route(d).drain).toEqual({ nextHops: ['10.0.3.10'], medIncrease: 1000, asPathPrepend: 3 });
    // The drain ends at T0 + 20 s; the grace period of node-04 (draining for 20 of 30 s) first.
    expect(d.recheckAt).toBe(T0 + 10_000);
    const none = run(withDrainSettings({ drainDelay: 0 }), draining({ unschedulable: true }), undefined);
    expect(route(none).nextHops).toEqual(['10.0.3.11']);
    expect(route(none).drain).toBeUndefined();
  });

  it('a controller that starts while a node drains continues from its drain-started annotation', () => {
    const started = (value: string) =>
      draining({ unschedulable: true, annotations: { 'bgplb.io/drain-started': value } });
    // A new leader has no memory of the drain: the annotation the old one wrote is the clock.
    const midway = desiredState(observe(base, started(new Date(T0 - 5_000).toISOString())));
    expect(route(midway).drain?.nextHops).toEqual(['10.0.3.10']);
    expect(midway.drainingSince.get('node-04')).toBe(T0 - 5_000);
    expect(midway.recheckAt).toBe(T0 + 10_000);
    // It wins over the controller's memory (which only covers the time before its write is seen).
    const remembered = desiredState(
      observe(base, started(new Date(T0 - 5_000).toISOString()), {
        drainingSince: new Map([['node-04', T0 - 1_000]]),
      }),
    );
    expect(remembered.drainingSince.get('node-04')).toBe(T0 - 5_000);
    const over = desiredState(observe(base, started('2026-01-01T00:59:00+01:00')));
    expect(route(over).nextHops).toEqual(['10.0.3.11']);
    expect(route(over).drain).toBeUndefined();
  });

  it.each([
    ['absent', undefined],
    ['not a time', 'yesterday'],
    ['a date without a time', '2026-12-05'],
  ])('a drain-started annotation %s: the drain begins now', (_, value) => {
    const annotations: Record<string, string> =
      value === undefined ? {} : { 'bgplb.io/drain-started': value };
    const d = desiredState(observe(base, draining({ unschedulable: true, annotations })));
    expect(d.drainingSince.get('node-04')).toBe(T0);
    expect(route(d).drain?.nextHops).toEqual(['10.0.3.10']);
    expect(d.recheckAt).toBe(T0 + 15_000);
  });

  it('a drain-started time in the future (a skewed clock) counts as now: the drain is not longer', () => {
    const future = new Date(T0 + 3_600_000).toISOString();
    const nodes = draining({ unschedulable: true, annotations: { 'bgplb.io/drain-started': future } });
    const d = desiredState(observe(base, nodes));
    expect(d.drainingSince.get('node-04')).toBe(T0);
    expect(d.recheckAt).toBe(T0 + 15_000);
  });

  it('every route shares one drain object, and an unchanged drain keeps the routes identical', () => {
    const services = [service({ name: 'a' }), service({ name: 'b', vip: '10.0.0.3' })];
    const nodes = draining({ unschedulable: true });
    const first = desiredState(observe(base, nodes, { services, drainingSince: new Map() }));
    const [r1, r2] = [...first.routes.values()];
    expect(r1!.spec.drain).toBe(r2!.spec.drain);
    const again = desiredState(
      observe(base, nodes, { services, drainingSince: first.drainingSince, now: T0 + 1_000 }),
      first.memo,
    );
    expect([...again.routes.values()][0]).toBe(r1);
  });

  it("make-before-break: a draining holder keeps its floating IP until the peer's other session is Established", () => {
    const config = withStatus(base, { '10.0.3.100': 'node-04', '10.0.3.101': 'node-05' });
    const nodes = draining({ unschedulable: true });
    // The sessions as the agents report them: node-05's (from 10.0.3.101) is still connecting.
    const before = desiredState(observe(config, CLUSTER_NODES));
    const reported = (established: boolean) =>
      [...before.sessions.values()].map((s) => ({
        peer: s.labels['networking.gke.io/peer']!,
        floatingIP: s.spec.floatingIP!,
        nodeName: s.spec.nodeName,
        established: s.spec.nodeName === 'node-04' || established,
        reportedAt: T0,
      }));
    expect(
      reported(false)
        .map((s) => s.floatingIP)
        .sort(),
    ).toEqual(['10.0.3.100', '10.0.3.101']);
    const after = (established: boolean, secondsAgo: number) =>
      desiredState(
        observe(config, nodes, {
          drainingSince: new Map([['node-04', T0 - secondsAgo * 1000]]),
          liveSessions: reported(established),
        }),
      );
    const held = after(false, 60);
    expect(held.gateway?.floatingIPs).toEqual({ '10.0.3.100': 'node-04', '10.0.3.101': 'node-05' });
    expect(held.floatingIPMoves).toEqual([]);
    expect(held.sessions.get('bgppeer1-node-04')?.spec.floatingIP).toBe('10.0.3.100');
    expect(held.events.find((e) => e.reason === 'FloatingIPMoveHeld')?.message).toBe(
      'floating IP 10.0.3.100 stays on draining node node-04 until peer(s) bgppeer1 have another Established session (make-before-break)',
    );
    expect(held.recheckAt).toBe(T0 + 1_000);
    // Established: the move is made (node-05 already holds .101, so .100 has no other ready node).
    const made = after(true, 60);
    expect(made.gateway?.floatingIPs).toEqual({ '10.0.3.100': 'node-05', '10.0.3.101': 'node-05' });
    expect(made.events.some((e) => e.reason === 'FloatingIPMoveHeld')).toBe(false);
    // Held at most two minutes past the grace period: then it moves, with a Warning.
    const forced = after(false, 30 + 120);
    expect(forced.gateway?.floatingIPs['10.0.3.100']).toBe('node-05');
    expect(forced.events.find((e) => e.reason === 'FloatingIPMoveForced')?.type).toBe('Warning');
  });

  it('a draining node holds no new floating IP, and a Warning-free move names the cordon', () => {
    const config = withStatus(base, { '10.0.3.100': 'node-04', '10.0.3.101': 'node-05' });
    const d = run(config, draining({ unschedulable: true }), 60);
    expect(d.gateway?.floatingIPs).toEqual({ '10.0.3.100': 'node-05', '10.0.3.101': 'node-05' });
    const moved = d.events.find((e) => e.reason === 'FloatingIPMoved');
    expect(moved?.message).toContain('node node-04 is cordoned');
  });
});
