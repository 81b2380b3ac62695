/**
 * One full reconcile's compute (desiredState + planWrites), measured in-process over the
 * benchmark's cluster: example 03 with a /16 pool, 16 load-balancer nodes among `nodes`, `services`
 * LoadBalancer Services. The observed state (Services with their VIPs, their BGPAdvertisedRoutes)
 * is built once; then each round changes a BGPPeer annotation and recomputes everything with the
 * controller's memo and plan cache (nothing to write). `dualStack`: every Service is
 * RequireDualStack (IPv4 and IPv6), the pool has an IPv6 /112 too and the load-balancer nodes an
 * IPv6 InternalIP, so each round decides 20k VIPs and routes for 10k Services.
 * Used by profile-reconcile.ts and dual-stack.bench.ts.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { GROUP, VERSION } from '@bgplb/api-types';
import type { ConfigObjects } from '../src/config.js';
import { desiredState, MemoizedDesiredState, type Observed } from '../src/desired-state.js';
import { type PlanCache, type PlanOptions, planWrites } from '../src/plan.js';
import { exampleObjects } from '../src/test-support/fixtures.js';
import type { KubeObject, NodeObject, RouteObject, ServiceObject } from '../src/types.js';

export interface ReconcileProfile {
  /** Per measured round (after the warm-up): wall, CPU, GC (ms) and heap growth (MB). */
  times: number[];
  cpus: number[];
  gcs: number[];
  grown: number[];
  warmup: number[];
  routes: number;
}

export function profileReconcile(o: {
  services: number;
  nodes: number;
  rounds: number;
  dualStack?: boolean;
}): Promise<ReconcileProfile> {
  const SERVICES = o.services;
  const NODES = o.nodes;
  const ROUNDS = o.rounds;
  const dual = o.dualStack === true;
  return run();

  async function run(): Promise<ReconcileProfile> {
    function nodeAddress(i: number): string {
      if (i < 16) return `10.0.3.${10 + i}`;
      const j = i - 16;
      return `10.0.${4 + Math.floor(j / 250)}.${1 + (j % 250)}`;
    }

    const objects = exampleObjects('03-separate-control-and-data-plane.yaml') as KubeObject[];
    const of = (kind: string) => objects.filter((o) => o.kind === kind);
    const cluster = of('Cluster')[0] as KubeObject & { spec: { loadBalancer: Record<string, unknown> } };
    cluster.spec.loadBalancer.addressPools = [
      {
        name: 'pool1',
        addresses: ['10.0.0.1-10.0.0.4', '10.100.0.0/16', ...(dual ? ['2001:db8:100::/112'] : [])],
      },
    ];
    cluster.spec.loadBalancer.nodePoolSpec = {
      nodes: Array.from({ length: 16 }, (_, i) => ({ address: nodeAddress(i) })),
    };
    const nodes: NodeObject[] = Array.from({ length: NODES }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: `node-${String(i).padStart(4, '0')}`,
        uid: `uid-node-${i}`,
        resourceVersion: String(i + 1),
      },
      status: {
        addresses: [
          { type: 'InternalIP', address: nodeAddress(i) },
          ...(dual && i < 16
            ? [{ type: 'InternalIP', address: `2001:db8:3::${(16 + i).toString(16)}` }]
            : []),
        ],
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      },
    }));
    const services: ServiceObject[] = Array.from({ length: SERVICES }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: `svc-${i}`,
        namespace: 'default',
        uid: `uid-svc-${i}`,
        resourceVersion: String(1000 + i),
        creationTimestamp: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000).toISOString(),
      },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Cluster',
        ...(dual ? { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' } : {}),
      },
      status: {},
    }));
    const nodeUids = new Map(nodes.map((n) => [n.metadata.name, n.metadata.uid!]));
    const options = {
      clusterNamespace: 'cluster-bm',
      graceSeconds: 60,
      nodePrefixLength: 24,
      loadBalancerClass: 'networking.gke.io/bgplb',
      ingressService: undefined,
    };
    const planOptions = (now: number, cache?: PlanCache): PlanOptions => ({
      statusNamespace: 'kube-system',
      apiVersion: `${GROUP}/${VERSION}`,
      now,
      cache,
    });
    function config(round: number): ConfigObjects {
      const peers = of('BGPPeer').map((p) =>
        p.metadata.name === 'bgppeer1'
          ? { ...p, metadata: { ...p.metadata, annotations: { 'bench/round': String(round) } } }
          : p,
      );
      const c: ConfigObjects = { cluster, bgpPeers: peers };
      const ngg = of('NetworkGatewayGroup')[0];
      if (ngg) c.networkGatewayGroup = ngg;
      const lb = of('BGPLoadBalancer')[0];
      if (lb) c.bgpLoadBalancer = lb;
      return c;
    }

    // Initial sync, simulated: write every VIP to status and create every route.
    const now = Date.now();
    const first = desiredState({ config: config(-1), nodes, services, now, options });
    const plan0 = planWrites(
      first,
      { services, gateway: undefined, sessions: [], routes: [], configObjects: [] },
      nodeUids,
      planOptions(now),
    );
    const routes: RouteObject[] = [];
    let rv = 100_000;
    for (const w of plan0.writes) {
      if (w.op === 'create' && w.resource === 'bgpadvertisedroutes') {
        const r = w.object as RouteObject;
        r.metadata.uid = `uid-${r.metadata.name}`;
        r.metadata.resourceVersion = String(rv++);
        routes.push(r);
      }
    }
    for (const s of services) {
      const d = first.services.get(`default/${s.metadata.name}`);
      if (d?.vip)
        s.status = {
          loadBalancer: {
            ingress: [d.vip, ...(d.secondVip === undefined ? [] : [d.secondVip])].map((ip) => ({
              ip,
              ipMode: 'VIP',
            })),
          },
        };
    }
    const expected = dual ? 2 * SERVICES : SERVICES;
    if (routes.length !== expected) throw new Error(`expected ${expected} routes, got ${routes.length}`);
    // The controller writes the routes' status (next-hop states) once they exist: simulate that too.
    const byName = new Map(routes.map((r) => [r.metadata.name, r]));
    const plan1 = planWrites(
      first,
      { services, gateway: undefined, sessions: [], routes, configObjects: [] },
      nodeUids,
      planOptions(now),
    );
    for (const w of plan1.writes) {
      if (w.op !== 'route-status') continue;
      const r = byName.get(w.name)!;
      const status: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(w.status)) if (v !== null) status[k] = v;
      (r as { status?: unknown }).status = status;
    }

    const memoized = new MemoizedDesiredState();
    const cache: PlanCache = { routes: new WeakMap() };
    let lastGood: ConfigObjects | undefined;
    let drainingSince: Observed['drainingSince'];
    const times: number[] = [];
    const cpus: number[] = [];
    let gcMs = 0;
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcMs += e.duration;
    });
    const gcs: number[] = [];
    const grown: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round === 3) gcObserver.observe({ entryTypes: ['gc'] });
      const t = performance.now();
      const cpu = process.cpuUsage();
      const gcBefore = gcMs;
      const heapBefore = process.memoryUsage().heapUsed;
      const c = config(round);
      const desired = memoized.compute({
        config: c,
        lastGood,
        nodes,
        services,
        now: Date.now(),
        options,
        drainingSince,
      });
      lastGood = desired.config.lastGood;
      drainingSince = desired.drainingSince;
      const plan = planWrites(
        desired,
        {
          services,
          gateway: c.networkGatewayGroup as KubeObject | undefined,
          sessions: [],
          routes,
          configObjects: [],
        },
        nodeUids,
        planOptions(Date.now(), cache),
      );
      times.push(performance.now() - t);
      grown.push((process.memoryUsage().heapUsed - heapBefore) / 1e6);
      const used = process.cpuUsage(cpu);
      cpus.push((used.user + used.system) / 1000);
      await new Promise((r) => setTimeout(r, 5)); // let the GC observer report this round
      gcs.push(gcMs - gcBefore);
      const routeWrites = plan.writes.filter((w) => w.op !== 'create' || w.resource !== 'bgpsessions');
      if (round > 0 && routeWrites.some((w) => w.op !== 'gateway-status'))
        throw new Error(`unexpected writes: ${JSON.stringify(routeWrites.slice(0, 3))}`);
    }
    gcObserver.disconnect();
    return {
      times: times.slice(3),
      cpus: cpus.slice(3),
      gcs: gcs.slice(3),
      grown: grown.slice(3),
      warmup: times.slice(0, 3),
      routes: routes.length,
    };
  }
}
