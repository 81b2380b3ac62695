import { describe, expect, it } from 'vitest';
import { desiredState } from './desired-state.js';
import { type Current, planWrites } from './plan.js';
import { CLUSTER_NODES, EXAMPLE_FILES, exampleConfig, node, service, T0 } from './test-support/fixtures.js';
import type { KubeObject, RouteObject, SessionObject } from './types.js';

const OPTIONS = {
  clusterNamespace: 'cluster-bm',
  graceSeconds: 30,
  nodePrefixLength: 24,
  loadBalancerClass: 'networking.gke.io/bgplb',
};
const PLAN = { statusNamespace: 'kube-system', apiVersion: 'networking.gke.io/v1', now: T0 };

function setup() {
  const config = exampleConfig(EXAMPLE_FILES[2]);
  const services = [service({ name: 'web' })];
  const desired = desiredState({
    config,
    nodes: CLUSTER_NODES.map(node),
    services,
    now: T0,
    options: OPTIONS,
  });
  const gateway = {
    ...(config.networkGatewayGroup as KubeObject),
    metadata: { name: 'default', namespace: 'cluster-bm', resourceVersion: '7' },
  };
  const current: Current = { services, gateway, sessions: [], routes: [], configObjects: [] };
  return { desired, current };
}

/** What the API would hold after the writes (objects as written). */
function applied(current: Current, writes: ReturnType<typeof planWrites>['writes']): Current {
  const sessions = new Map(current.sessions.map((s) => [s.metadata.name, s]));
  const routes = new Map(current.routes.map((r) => [r.metadata.name, r]));
  let services = current.services;
  let gateway = current.gateway;
  for (const w of writes) {
    if (w.op === 'create' || w.op === 'update') {
      const o = { ...w.object, metadata: { ...w.object.metadata, uid: `uid-${w.object.metadata.name}` } };
      if (w.resource === 'bgpsessions') sessions.set(o.metadata.name, o as SessionObject);
      else routes.set(o.metadata.name, o as RouteObject);
    } else if (w.op === 'delete') {
      if (w.resource === 'bgpsessions') sessions.delete(w.name);
      else routes.delete(w.name);
    } else if (w.op === 'service-status') {
      services = services.map((s) =>
        s.metadata.name === w.name
          ? {
              ...s,
              status: {
                loadBalancer: {
                  ingress: w.vip ? [w.vip, ...(w.secondVip ? [w.secondVip] : [])].map((ip) => ({ ip })) : [],
                },
              },
            }
          : s,
      );
    } else if (w.op === 'gateway-status') {
      gateway = { ...gateway!, status: w.status };
    } else if (w.op === 'route-status') {
      const r = routes.get(w.name)!;
      routes.set(w.name, { ...r, status: { ...r.status, ...w.status } });
    }
  }
  return { ...current, services, gateway, sessions: [...sessions.values()], routes: [...routes.values()] };
}

describe('planWrites', () => {
  it('orders writes for crash safety and writes nothing the second time (idempotent)', () => {
    const { desired, current } = setup();
    const plan = planWrites(desired, current, new Map([['node-04', 'n4']]), PLAN);
    expect(plan.writes.map((w) => w.op)).toEqual([
      'service-status',
      'gateway-status',
      'create',
      'route-status',
      'create',
      'create',
    ]);
    const session = plan.writes.find(
      (w) =>
        w.op === 'create' && w.resource === 'bgpsessions' && w.object.metadata.name === 'bgppeer1-node-04',
    );
    expect(session && 'object' in session && session.object.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Node', name: 'node-04', uid: 'n4' },
    ]);
    const after = applied(current, plan.writes);
    expect(planWrites(desired, after, new Map([['node-04', 'n4']]), PLAN).writes).toEqual([]);
  });

  it('a dual-stack status is written with both VIPs, then matches (nothing more to write)', () => {
    const { desired, current } = setup();
    const [key, d] = [...desired.services][0]!;
    desired.services.set(key, { ...d, vip: '10.0.0.2', secondVip: '2001:db8::2' });
    const writes = planWrites(desired, current, new Map(), PLAN).writes;
    expect(writes.find((w) => w.op === 'service-status')).toMatchObject({
      vip: '10.0.0.2',
      secondVip: '2001:db8::2',
    });
    const after = applied(current, writes);
    expect(
      planWrites(desired, after, new Map(), PLAN).writes.filter((w) => w.op === 'service-status'),
    ).toEqual([]);
  });

  it('updates only what differs, deletes only its own stale objects and leaves foreign ones alone', () => {
    const { desired, current } = setup();
    const after = applied(current, planWrites(desired, current, new Map(), PLAN).writes);
    const route = after.routes[0]!;
    const drifted = { ...route, spec: { ...route.spec, nextHops: ['10.9.9.9'] } };
    const stale: SessionObject = {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      metadata: {
        name: 'old-node-09',
        namespace: 'kube-system',
        uid: 'u9',
        labels: { 'app.kubernetes.io/managed-by': 'bgplb-controller' },
      },
      spec: {
        localASN: 65001,
        localIP: '10.0.3.100',
        nodeName: 'node-09',
        peerASN: 65002,
        peerIP: '10.0.3.254',
      },
    };
    const foreign: SessionObject = {
      ...stale,
      metadata: { name: 'bgppeer1-node-04', namespace: 'kube-system' },
    };
    const unmanaged: SessionObject = {
      ...stale,
      metadata: { name: 'someone-elses', namespace: 'kube-system' },
    };
    const sessions = [
      ...after.sessions.filter((s) => s.metadata.name !== 'bgppeer1-node-04'),
      stale,
      foreign,
      unmanaged,
    ];
    const plan = planWrites(desired, { ...after, routes: [drifted], sessions }, new Map(), PLAN);
    expect(
      plan.writes.map((w) => `${w.op}:${'object' in w ? w.object.metadata.name : 'name' in w ? w.name : ''}`),
    ).toEqual(['update:default-default-web', 'delete:old-node-09']);
    expect(plan.foreign).toEqual(['BGPSession/bgppeer1-node-04']);
  });

  it('writes an Accepted condition on refused objects and clears it when fixed', () => {
    const { current } = setup();
    const config = exampleConfig(EXAMPLE_FILES[2]);
    const peer = config.bgpPeers[0] as KubeObject & { spec: Record<string, unknown> };
    const good = desiredState({
      config,
      nodes: CLUSTER_NODES.map(node),
      services: [],
      now: T0,
      options: OPTIONS,
    });
    const badPeer = { ...peer, spec: { ...peer.spec, peerASN: 65001 } };
    const bad = desiredState({
      config: { ...config, bgpPeers: [badPeer] },
      lastGood: good.config.lastGood,
      nodes: CLUSTER_NODES.map(node),
      services: [],
      now: T0,
      options: OPTIONS,
    });
    const plan = planWrites(bad, { ...current, configObjects: [badPeer] }, new Map(), PLAN);
    const cond = plan.writes.find((w) => w.op === 'conditions');
    expect(cond).toMatchObject({
      resource: 'bgppeers',
      name: 'bgppeer1',
      conditions: [{ type: 'Accepted', status: 'False', reason: 'InvalidConfiguration' }],
    });
    const withCondition = {
      ...peer,
      status: { conditions: cond && 'conditions' in cond ? cond.conditions : [] },
    };
    const fixed = planWrites(good, { ...current, configObjects: [withCondition] }, new Map(), PLAN);
    expect(fixed.writes.find((w) => w.op === 'conditions')).toMatchObject({
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Valid' }],
    });
  });

  it('plans nothing from an invalid desired state', () => {
    const { current } = setup();
    const invalid = desiredState({
      config: { bgpPeers: [] },
      nodes: [],
      services: [],
      now: T0,
      options: OPTIONS,
    });
    expect(planWrites(invalid, current, new Map(), PLAN)).toEqual({ writes: [], foreign: [] });
  });

  it('keeps each drain start on its Node: written first, rewritten when wrong, removed on undrain', () => {
    const config = exampleConfig(EXAMPLE_FILES[2]);
    const at = (ms: number) => new Date(ms).toISOString();
    const nodesWith = (fixtures: typeof CLUSTER_NODES) => fixtures.map(node);
    const cordoned = CLUSTER_NODES.map((n) => (n.name === 'node-04' ? { ...n, unschedulable: true } : n));
    const decide = (nodes: ReturnType<typeof nodesWith>, now = T0) =>
      desiredState({ config, nodes, services: [], now, options: OPTIONS });
    const { current } = setup();
    const drainWrites = (nodes: ReturnType<typeof nodesWith>, now = T0) =>
      planWrites(decide(nodes, now), { ...current, nodes }, new Map(), PLAN).writes.filter(
        (w) => w.op === 'node-drain-started',
      );

    const first = planWrites(
      decide(nodesWith(cordoned)),
      { ...current, nodes: nodesWith(cordoned) },
      new Map(),
      PLAN,
    );
    expect(first.writes[0]).toEqual({ op: 'node-drain-started', name: 'node-04', value: at(T0) });
    // Written: the next reconcile (any time later) reads it back and writes nothing.
    const marked = cordoned.map((n) =>
      n.name === 'node-04' ? { ...n, annotations: { 'bgplb.io/drain-started': at(T0) } } : n,
    );
    expect(drainWrites(nodesWith(marked), T0 + 7_000)).toEqual([]);
    // The same instant in another RFC 3339 spelling is the same drain.
    const spelled = cordoned.map((n) =>
      n.name === 'node-04'
        ? { ...n, annotations: { 'bgplb.io/drain-started': '2026-01-01T01:00:00+01:00' } }
        : n,
    );
    expect(drainWrites(nodesWith(spelled))).toEqual([]);
    // Unreadable: replaced by when this controller saw the drain begin.
    const garbled = cordoned.map((n) =>
      n.name === 'node-04' ? { ...n, annotations: { 'bgplb.io/drain-started': 'soon' } } : n,
    );
    expect(drainWrites(nodesWith(garbled), T0 + 1_000)).toEqual([
      { op: 'node-drain-started', name: 'node-04', value: at(T0 + 1_000) },
    ]);
    // Uncordoned: the annotation goes; a Node being deleted is left alone.
    const undrained = CLUSTER_NODES.map((n) =>
      n.name === 'node-04' ? { ...n, annotations: { 'bgplb.io/drain-started': at(T0) } } : n,
    );
    expect(drainWrites(nodesWith(undrained))).toEqual([
      { op: 'node-drain-started', name: 'node-04', value: null },
    ]);
    const deleting = nodesWith(undrained).map((n) =>
      n.metadata.name === 'node-04' ? { ...n, metadata: { ...n.metadata, deletionTimestamp: at(T0) } } : n,
    );
    expect(drainWrites(deleting)).toEqual([]);
    // The Service fast path passes no Nodes: no Node writes.
    expect(
      planWrites(decide(nodesWith(cordoned)), current, new Map(), PLAN).writes.some(
        (w) => w.op === 'node-drain-started',
      ),
    ).toBe(false);
  });
});
