/**
 * Controller benchmark: 10k LoadBalancer Services and 500 nodes.
 *
 *   pnpm --filter @bgplb/controller bench        (BENCH_SERVICES, BENCH_NODES, BENCH_CHANGES override)
 *
 * The test API server and the controller each run in their own process; the controller is the
 * shipped build (dist/cli.js, as in the container), so its RSS and CPU are measured alone. This
 * process seeds the objects and watches the results like a client. The bench builds the controller
 * and the libraries it imports first (turbo, cached): running the TypeScript sources through tsx
 * instead would add ~140 MB of compiler and source maps to the RSS, and a stale dist/ would
 * measure old code. BENCH_SKIP_BUILD=1 skips the build (dist/ must then exist);
 * BENCH_CONTROLLER_DIST=<dir> runs another build (a saved copy of dist/) as the baseline;
 * BENCH_NODE_ARGS="--flag ..." puts node flags before the script (V8 flags Node refuses in NODE_OPTIONS).
 *
 * Reports:
 * - initial sync: controller start -> every Service has its VIP and every route exists;
 * - full reconcile CPU: a configuration change (a BGPPeer annotation) makes the controller
 *   recompute everything; CPU time of the controller process per such reconcile (nothing to write);
 * - single-change latency: a new Service is created -> its VIP is visible to a watching client;
 * - endpoint-change latency: the EndpointSlice of an externalTrafficPolicy: Local Service gains or
 *   loses its endpoint on a second load-balancer node -> the route's next hops seen by a watcher
 *   (BENCH_CHANGES times; also as a ratio to the single-change latency of the same run);
 * - peak RSS of the controller process (VmHWM).
 *
 * BENCH_DUAL_STACK=1: every Service is RequireDualStack (ipFamilies IPv4, IPv6), the pool has an
 * IPv6 /112 too and the load-balancer nodes an IPv6 InternalIP: 20k VIPs and routes (issue 20).
 * The same-run IPv4 baseline of the compute is `pnpm --filter @bgplb/controller bench:dual-stack`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '@bgplb/kube-runtime';
import { spawnTestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig, type KubernetesObject, makeInformer } from '@kubernetes/client-node';
import { exampleObjects } from '../src/test-support/fixtures.js';
import {
  buildController,
  CONTROLLER_NODE_OPTIONS,
  controllerEnv,
  freePort,
  percentile,
  pool,
  procStats,
  ROOT,
  round,
  sleep,
} from './bench-support.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 500);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const FULL_RECONCILES = Number(process.env.BENCH_FULL ?? 10);
const DUAL_STACK = process.env.BENCH_DUAL_STACK === '1';
/** Routes per Service: one per VIP. */
const ROUTES_PER_SERVICE = DUAL_STACK ? 2 : 1;
const CONTROLLER_LOG = process.env.BENCH_CONTROLLER_LOG;
const APP = fileURLToPath(new URL('../', import.meta.url));

function nodeAddress(i: number): string {
  // The 16 load-balancer nodes in 10.0.3.0/24 (with the floating IPs), the others in 10.0.4.0/22.
  if (i < 16) return `10.0.3.${10 + i}`;
  const j = i - 16;
  return `10.0.${4 + Math.floor(j / 250)}.${1 + (j % 250)}`;
}

async function startApiServer(dir: string): Promise<{ proc: ChildProcess; kubeconfig: string }> {
  const kubeconfig = join(dir, 'kubeconfig');
  const proc = await spawnTestApiServer({
    kubeconfigOut: kubeconfig,
    crds: join(ROOT, 'packages/api-types/crds'),
    autoCreateNamespaces: true,
    historyLimit: 200_000,
  });
  return { proc, kubeconfig };
}

function startController(kubeconfig: string, metricsPort: number): ChildProcess {
  // BENCH_CONTROLLER_DIST=<dir>: run the cli.js of a saved copy of an earlier dist/ (kept inside
  // apps/controller so its imports resolve), the same-session baseline of a before/after pair.
  const dist = join(process.env.BENCH_CONTROLLER_DIST ?? join(APP, 'dist'), 'cli.js');
  if (!existsSync(dist))
    throw new Error(`${dist} is missing: build it (pnpm turbo run build --filter @bgplb/controller...)`);
  // BENCH_NODE_ARGS: node's own command-line flags before the script, for V8 flags that Node
  // refuses in NODE_OPTIONS (e.g. --trace-gc, --heap-growing-percent).
  const args = [
    ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    dist,
    '--kubeconfig',
    kubeconfig,
    '--cluster-namespace',
    'cluster-bm',
    '--metrics-addr',
    `127.0.0.1:${metricsPort}`,
    '--log-level',
    CONTROLLER_LOG === undefined ? 'warn' : 'debug',
  ];
  // The container runs node with NODE_OPTIONS from the Deployment and the image's environment;
  // the bench uses the same.
  const env = controllerEnv();
  // BENCH_CONTROLLER_LOG=<file>: the controller's own log at debug (one line per reconcile, with its
  // path and duration) goes to that file, to see where a slow change spends its time.
  const stdout = CONTROLLER_LOG === undefined ? 'ignore' : openSync(CONTROLLER_LOG, 'w');
  return spawn(process.execPath, args, { cwd: APP, stdio: ['ignore', stdout, 'inherit'], env });
}

async function metric(port: number, name: string): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The controller's V8 heap (committed and used) and off-heap memory, from its metrics. */
async function heapReport(port: number): Promise<string> {
  const mb = async (name: string) => Math.round(((await metric(port, name)) ?? 0) / 1048576);
  const [total, used, external] = await Promise.all([
    mb('nodejs_heap_size_total_bytes'),
    mb('nodejs_heap_size_used_bytes'),
    mb('nodejs_external_memory_bytes'),
  ]);
  return `heap=${used}/${total}MB external=${external}MB`;
}

async function waitUntil(what: string, fn: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

const svc = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: {
    type: 'LoadBalancer',
    externalTrafficPolicy: 'Cluster',
    allocateLoadBalancerNodePorts: false,
    ports: [{ port: 80, protocol: 'TCP' }],
    ...(DUAL_STACK ? { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' } : {}),
  },
});

async function main(): Promise<void> {
  buildController();
  const dir = mkdtempSync(join(tmpdir(), 'bgplb-bench-'));
  const api = await startApiServer(dir);
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const client = new KubeClient(kc);
  let controller: ChildProcess | undefined;
  try {
    for (const o of exampleObjects('03-separate-control-and-data-plane.yaml')) {
      const obj = o as {
        kind: string;
        apiVersion: string;
        metadata: { namespace: string };
        spec: Record<string, unknown>;
      };
      if (obj.kind === 'Cluster') {
        const lb = obj.spec.loadBalancer as Record<string, unknown>;
        lb.addressPools = [
          {
            name: 'pool1',
            addresses: ['10.0.0.1-10.0.0.4', '10.100.0.0/16', ...(DUAL_STACK ? ['2001:db8:100::/112'] : [])],
          },
        ];
        lb.nodePoolSpec = { nodes: Array.from({ length: 16 }, (_, i) => ({ address: nodeAddress(i) })) };
      }
      const [group, version] = obj.apiVersion.split('/');
      await client.create(
        `/apis/${group}/${version}/namespaces/${obj.metadata.namespace}/${obj.kind.toLowerCase()}s`,
        obj,
      );
    }
    await pool([...Array(NODES).keys()], 32, (i) =>
      client.create('/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: `node-${String(i).padStart(4, '0')}` },
        status: {
          addresses: [
            { type: 'InternalIP', address: nodeAddress(i) },
            ...(DUAL_STACK && i < 16
              ? [{ type: 'InternalIP', address: `2001:db8:3::${(16 + i).toString(16)}` }]
              : []),
          ],
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        },
      }),
    );
    await pool([...Array(SERVICES).keys()], 32, (i) =>
      client.create('/api/v1/namespaces/default/services', svc(`svc-${i}`)),
    );

    // A client watching the results, as an operator's tooling would.
    const vipSeen = new Map<string, number>();
    const services = makeInformer<KubernetesObject & { status?: { loadBalancer?: { ingress?: unknown[] } } }>(
      kc,
      '/api/v1/services',
      () => client.get('/api/v1/services'),
    );
    const note = (s: KubernetesObject & { status?: { loadBalancer?: { ingress?: unknown[] } } }) => {
      if (s.status?.loadBalancer?.ingress?.length && !vipSeen.has(s.metadata!.name!))
        vipSeen.set(s.metadata!.name!, performance.now());
    };
    services.on('add', note);
    services.on('update', note);
    let routeCount = 0;
    const routes = makeInformer<KubernetesObject>(
      kc,
      '/apis/networking.gke.io/v1/namespaces/kube-system/bgpadvertisedroutes',
      () => client.get('/apis/networking.gke.io/v1/namespaces/kube-system/bgpadvertisedroutes'),
    );
    routes.on('add', () => routeCount++);
    routes.on('delete', () => routeCount--);
    // Next hops of each route as the watcher last saw them, with when it saw them.
    const hopsSeen = new Map<string, { hops: string; at: number }>();
    const noteHops = (r: KubernetesObject & { spec?: { nextHops?: string[] } }) =>
      hopsSeen.set(r.metadata!.name!, { hops: (r.spec?.nextHops ?? []).join(','), at: performance.now() });
    routes.on('add', noteHops);
    routes.on('update', noteHops);
    await services.start();
    await routes.start();

    const metricsPort = await freePort();
    const t0 = performance.now();
    controller = startController(api.kubeconfig, metricsPort);
    // BENCH_RSS_TRACE=1: RSS every 250 ms next to the V8 heap and off-heap memory the controller
    // reports, by phase, to see what drives the peak.
    const trace: string[] = [];
    let phase = 'sync';
    let heap = '';
    const tracer = process.env.BENCH_RSS_TRACE
      ? setInterval(() => {
          try {
            const status = readFileSync(`/proc/${controller!.pid}/status`, 'utf8');
            const mb = (field: string) =>
              Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024);
            // The peak so far (VmHWM) next to RSS: a peak between two samples still shows when it rose.
            trace.push(
              `${Math.round(performance.now() - t0)}ms ${phase} rss=${mb('VmRSS')}MB peak=${mb('VmHWM')}MB ${heap} vips=${vipSeen.size} routes=${routeCount}`,
            );
            void heapReport(metricsPort).then(
              (h) => {
                heap = h;
              },
              () => {},
            );
          } catch {
            /* exited */
          }
        }, 250)
      : undefined;
    await waitUntil(
      'initial sync',
      () => vipSeen.size >= SERVICES && routeCount >= SERVICES * ROUTES_PER_SERVICE,
      600_000,
    );
    const syncMs = performance.now() - t0;
    // The first reconcile goes on writing route statuses after the last route exists: the full
    // reconciles below must not measure its tail.
    phase = 'first-reconcile';
    while (((await metric(metricsPort, 'bgplb_reconcile_duration_seconds_count')) ?? 0) < 1) await sleep(200);
    // The Events of the initial sync (one per new VIP) are written in the background: let them drain.
    phase = 'events';
    const drain0 = performance.now();
    while ((await metric(metricsPort, 'bgplb_events_pending')) !== 0) await sleep(200);
    const eventsDrainMs = performance.now() - drain0;
    phase = 'idle';
    await sleep(1000);
    const pid = controller.pid!;

    // Full reconciles: a configuration change recomputes everything (and writes nothing).
    phase = 'full';
    const fullCpu: number[] = [];
    for (let i = 0; i < FULL_RECONCILES; i++) {
      const peer = await client.get<{ metadata: { annotations?: Record<string, string> } }>(
        '/apis/networking.gke.io/v1/namespaces/cluster-bm/bgppeers/bgppeer1',
      );
      const before = procStats(pid).cpuMs;
      await client.mergePatch('/apis/networking.gke.io/v1/namespaces/cluster-bm/bgppeers/bgppeer1', {
        metadata: { annotations: { ...peer.metadata.annotations, 'bench/round': String(i) } },
      });
      await sleep(1500);
      fullCpu.push(procStats(pid).cpuMs - before);
    }

    // Single changes: one new Service -> its VIP visible to a watcher.
    phase = 'changes';
    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const name = `change-${i}`;
      const t = performance.now();
      await client.create('/api/v1/namespaces/default/services', svc(name));
      await waitUntil(`VIP of ${name}`, () => vipSeen.has(name), 30_000);
      latencies.push(vipSeen.get(name)! - t);
      await sleep(20);
    }
    // Endpoint changes: a Local Service whose second endpoint node comes and goes.
    phase = 'endpoints';
    await client.create('/api/v1/namespaces/default/services', {
      ...svc('local-0'),
      spec: { ...svc('local-0').spec, externalTrafficPolicy: 'Local' },
    });
    const slicePath = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
    const endpoint = (node: number, i: number) => ({
      addresses: [`10.244.${node}.${i}`],
      nodeName: `node-${String(node).padStart(4, '0')}`,
      conditions: { ready: true },
      targetRef: { kind: 'Pod', name: `local-0-${node}-${i}`, uid: `local-0-${node}-${i}` },
    });
    const sliceBody = (endpoints: unknown[], resourceVersion?: string) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'local-0-x',
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'local-0' },
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      },
      addressType: 'IPv4',
      endpoints,
    });
    let slice = await client.create<{ metadata: { resourceVersion?: string } }>(
      slicePath,
      sliceBody([endpoint(0, 1)]),
    );
    const localRoute = 'default-default-local-0';
    await waitUntil('route of local-0', () => hopsSeen.get(localRoute)?.hops === nodeAddress(0), 30_000);
    const endpointLatencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const both = i % 2 === 0;
      const want = both ? [nodeAddress(0), nodeAddress(1)].join(',') : nodeAddress(0);
      const t = performance.now();
      slice = await client.replace(
        `${slicePath}/local-0-x`,
        sliceBody(both ? [endpoint(0, 1), endpoint(1, 1)] : [endpoint(0, 1)], slice.metadata.resourceVersion),
      );
      await waitUntil(`next hops ${want}`, () => hopsSeen.get(localRoute)?.hops === want, 30_000);
      endpointLatencies.push(hopsSeen.get(localRoute)!.at - t);
      await sleep(20);
    }
    endpointLatencies.sort((a, b) => a - b);
    latencies.sort((a, b) => a - b);
    fullCpu.sort((a, b) => a - b);
    const stats = procStats(pid);
    if (tracer) {
      clearInterval(tracer);
      process.stderr.write(`${trace.join('\n')}\n`);
    }
    const heapUsedMb = ((await metric(metricsPort, 'nodejs_heap_size_used_bytes')) ?? 0) / 1e6;
    if (process.env.BENCH_HEAP_SNAPSHOT) {
      controller.kill('SIGUSR2');
      await sleep(Number(process.env.BENCH_HEAP_SNAPSHOT));
    }
    const result = {
      eventsDrainMs: Math.round(eventsDrainMs),
      heapUsedMb: Math.round(heapUsedMb),
      nodeOptions: process.env.BENCH_NODE_OPTIONS ?? CONTROLLER_NODE_OPTIONS,
      mallocArenaMax: controllerEnv().MALLOC_ARENA_MAX ?? 'default',
      services: SERVICES,
      dualStack: DUAL_STACK,
      nodes: NODES,
      initialSyncMs: Math.round(syncMs),
      fullReconcileCpuMsP50: round(percentile(fullCpu, 50)),
      fullReconcileCpuMsMax: round(fullCpu[fullCpu.length - 1]!),
      changeLatencyMsP50: round(percentile(latencies, 50)),
      changeLatencyMsP99: round(percentile(latencies, 99)),
      endpointChangeLatencyMsP50: round(percentile(endpointLatencies, 50)),
      endpointChangeLatencyMsP99: round(percentile(endpointLatencies, 99)),
      endpointToServiceChangeRatioP50: round(percentile(endpointLatencies, 50) / percentile(latencies, 50)),
      controllerPeakRssMb: Math.round(stats.peakRssMb),
      controllerCpuMsTotal: Math.round(stats.cpuMs),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.stdout.write(
      [
        `controller bench: ${SERVICES} ${DUAL_STACK ? 'dual-stack (RequireDualStack) ' : ''}Services, ${NODES} nodes (controller = dist/cli.js in its own process)`,
        `  initial sync (start -> every VIP and route written): ${result.initialSyncMs} ms`,
        `  full reconcile (config change, compute + diff, nothing to write): ${result.fullReconcileCpuMsP50} ms CPU p50, ${result.fullReconcileCpuMsMax} ms max   target <= 200 ms`,
        `  one new Service -> VIP seen by a watcher: p50 ${result.changeLatencyMsP50} ms, p99 ${result.changeLatencyMsP99} ms   target <= 50 ms`,
        `  Local Service endpoint node added/removed -> route next hops seen by a watcher: p50 ${result.endpointChangeLatencyMsP50} ms, p99 ${result.endpointChangeLatencyMsP99} ms (${result.endpointToServiceChangeRatioP50}x the new-Service p50)   target <= 1000 ms`,
        `  controller peak RSS: ${result.controllerPeakRssMb} MB   target <= 256 MB`,
        '',
      ].join('\n'),
    );
    await services.stop();
    await routes.stop();
  } finally {
    client.close();
    if (controller && controller.exitCode === null) controller.kill('SIGTERM');
    api.proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
