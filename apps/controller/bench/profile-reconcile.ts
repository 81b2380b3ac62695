/**
 * In-process profile of one full reconcile's compute (desiredState + planWrites) over the
 * benchmark's cluster: 10k LoadBalancer Services, 500 Nodes, example 03 with a /16 pool. The
 * observed state (Services with their VIPs, one BGPAdvertisedRoute each) is built once; then, as
 * in the benchmark, each round changes a BGPPeer annotation and recomputes everything with the
 * controller's memo and plan cache (nothing to write).
 *
 *   node --max-semi-space-size=4 --conditions=@bgplb/source --import tsx [--cpu-prof] \
 *     apps/controller/bench/profile-reconcile.ts
 *
 * (`--max-semi-space-size=4` as the chart runs the controller: young-generation collections are
 * then a real part of a reconcile's cost, and the report shows them.) With
 * `--min-semi-space-size=256 --max-semi-space-size=256` instead, no collection runs inside a round
 * and "heap growth" is the bytes a round allocates.
 * BENCH_SERVICES, BENCH_NODES, BENCH_ROUNDS override the sizes.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { GROUP, VERSION } from '@bgplb/api-types';
import type { ConfigObjects } from '../src/config.js';
import { desiredState, MemoizedDesiredState, type Observed } from '../src/desired-state.js';
import { type PlanCache, type PlanOptions, planWrites } from '../src/plan.js';
import { exampleObjects } from '../src/test-support/fixtures.js';
import type { KubeObject, NodeObject, RouteObject, ServiceObject } from '../src/types.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

function nodeAddress(i: number): string {
  if (i < 16) return `10.0.3.${10 + i}`;
  const j = i - 16;
  return `10.0.${4 + Math.floor(j / 250)}.${1 + (j % 250)}`;
}

const objects = exampleObjects('03-separate-control-and-data-plane.yaml') as KubeObject[];
const of = (kind: string) => objects.filter((o) => o.kind === kind);
const cluster = of('Cluster')[0] as KubeObject & { spec: { loadBalancer: Record<string, unknown> } };
cluster.spec.loadBalancer.addressPools = [
  { name: 'pool1', addresses: ['10.0.0.1-10.0.0.4', '10.100.0.0/16'] },
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
    addresses: [{ type: 'InternalIP', address: nodeAddress(i) }],
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
  spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster' },
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
  if (d?.vip) s.status = { loadBalancer: { ingress: [{ ip: d.vip, ipMode: 'VIP' }] } };
}
if (routes.length !== SERVICES) throw new Error(`expected ${SERVICES} routes, got ${routes.length}`);

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
const first3 = times.slice(0, 3).map((t) => t.toFixed(1));
const q = (xs: number[], at: number) => {
  const sorted = xs.slice(3).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(at * sorted.length))]!.toFixed(1);
};
const gcTotal = gcs.slice(3).reduce((a, b) => a + b, 0);
process.stdout.write(
  [
    `desiredState+planWrites, ${SERVICES} Services, ${NODES} nodes, ${ROUNDS - 3} rounds after 3 warm-up rounds (${first3.join(' / ')} ms)`,
    `  wall p50 ${q(times, 0.5)} ms, max ${q(times, 1)} ms; CPU p50 ${q(cpus, 0.5)} ms, max ${q(cpus, 1)} ms`,
    `  GC p50 ${q(gcs, 0.5)} ms, max ${q(gcs, 1)} ms per round (${(gcTotal / (ROUNDS - 3)).toFixed(1)} ms mean); heap used ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`,
    `  heap growth per round p50 ${q(grown, 0.5)} MB`,
    '',
  ].join('\n'),
);
