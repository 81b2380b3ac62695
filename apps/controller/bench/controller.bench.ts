/**
 * Controller benchmark: 10k LoadBalancer Services and 500 nodes against the test API server
 * (in a child process, so this process's RSS and CPU are the controller's).
 *
 *   pnpm --filter @bgplb/controller bench          (BENCH_SERVICES / BENCH_NODES override sizes)
 *
 * Reports: initial sync (empty -> every VIP, route and session written), a full reconcile's CPU
 * time once converged (compute + diff, nothing to write), single-change latency (a new Service ->
 * its VIP written to the API) p50/p99, and peak RSS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Controller } from '../src/controller.js';
import { KubeClient } from '../src/kube-client.js';
import { exampleObjects } from '../src/test-support/fixtures.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 500);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function startApiServer(dir: string): Promise<{ proc: ChildProcess; url: string; kubeconfig: string }> {
  const kubeconfig = join(dir, 'kubeconfig');
  const proc = spawn(
    process.execPath,
    [
      '--conditions=@bgplb/source',
      '--import',
      'tsx',
      join(ROOT, 'packages/test-apiserver/src/cli.ts'),
      '--host',
      '127.0.0.1',
      '--crds',
      join(ROOT, 'packages/api-types/crds'),
      '--kubeconfig-out',
      kubeconfig,
      '--auto-create-namespaces',
      '--history-limit',
      '100000',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: proc.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      try {
        const m = JSON.parse(line) as { msg?: string; url?: string };
        if (m.msg === 'listening' && m.url) resolve(m.url);
      } catch {
        /* not JSON */
      }
    });
    proc.on('exit', (code) => reject(new Error(`test API server exited with ${code}`)));
  });
  return { proc, url, kubeconfig };
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/** The 16 load-balancer nodes in 10.0.3.0/24 (with the floating IPs), the others in 10.0.4.0/22. */
function nodeAddress(i: number): string {
  if (i < 16) return `10.0.3.${10 + i}`;
  const j = i - 16;
  return `10.0.${4 + Math.floor(j / 250)}.${1 + (j % 250)}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const fmt = (n: number) => n.toFixed(1);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bgplb-bench-'));
  const api = await startApiServer(dir);
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const client = new KubeClient(kc);
  try {
    // Example 03, with a /16 pool for 10k Services and the LB nodes spread over 10.0.3.0/24 .. 10.0.4.0/24.
    for (const o of exampleObjects('03-separate-control-and-data-plane.yaml')) {
      const obj = o as {
        kind: string;
        apiVersion: string;
        metadata: { namespace: string };
        spec: Record<string, unknown>;
      };
      if (obj.kind === 'Cluster') {
        const lb = obj.spec.loadBalancer as Record<string, unknown>;
        lb.addressPools = [{ name: 'pool1', addresses: ['10.0.0.1-10.0.0.4', '10.100.0.0/16'] }];
        lb.nodePoolSpec = { nodes: Array.from({ length: 16 }, (_, i) => ({ address: `10.0.3.${10 + i}` })) };
      }
      const [group, version] = obj.apiVersion.split('/');
      const plural = `${obj.kind.toLowerCase()}s`;
      await client.create(`/apis/${group}/${version}/namespaces/${obj.metadata.namespace}/${plural}`, obj);
    }
    const t0 = performance.now();
    await pool([...Array(NODES).keys()], 32, (i) =>
      client.create('/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: `node-${String(i).padStart(4, '0')}` },
        status: {
          addresses: [{ type: 'InternalIP', address: nodeAddress(i) }],
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        },
      }),
    );
    await pool([...Array(SERVICES).keys()], 32, (i) =>
      client.create(`/api/v1/namespaces/default/services`, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `svc-${i}`, namespace: 'default' },
        spec: {
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Cluster',
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      }),
    );
    const seededMs = performance.now() - t0;

    const log = pino({ level: process.env.BENCH_LOG ?? 'warn' });
    const controller = new Controller({
      kubeConfig: kc,
      log,
      clusterNamespace: 'cluster-bm',
      graceSeconds: 30,
      debounceMs: 1,
      leaderElection: {
        enabled: false,
        namespace: 'kube-system',
        name: 'bench',
        identity: 'bench',
        leaseDurationSeconds: 15,
        renewDeadlineSeconds: 10,
        retryPeriodSeconds: 2,
      },
    });
    const cpu0 = process.cpuUsage();
    const s0 = performance.now();
    await controller.start();
    const listedMs = performance.now() - s0;
    for (;;) {
      const r = await controller.nextReconcile((x) => x.plan !== undefined);
      if (r.plan!.writes.length === 0) break;
    }
    await controller.idle();
    const syncMs = performance.now() - s0;
    const syncCpu = process.cpuUsage(cpu0);
    const mem = (label: string) => {
      const m = process.memoryUsage();
      if (process.env.BENCH_MEM)
        process.stderr.write(
          `${label}: rss ${Math.round(m.rss / 1e6)} MB, heap used ${Math.round(m.heapUsed / 1e6)} MB, total ${Math.round(m.heapTotal / 1e6)} MB, external ${Math.round(m.external / 1e6)} MB\n`,
        );
    };
    mem('after sync');
    await controller.events.flush();
    mem('after events');
    (globalThis as { gc?: () => void }).gc?.();
    mem('after gc');

    // Full reconcile once converged: compute + diff over everything, nothing to write.
    const fullCpu: number[] = [];
    const fullWall: number[] = [];
    for (let i = 0; i < 20; i++) {
      const c = process.cpuUsage();
      const w = performance.now();
      const r = await controller.reconcile({ full: true });
      fullWall.push(performance.now() - w);
      const d = process.cpuUsage(c);
      fullCpu.push((d.user + d.system) / 1000);
      if (r.plan!.writes.length !== 0) throw new Error(`converged reconcile wrote ${r.plan!.writes.length}`);
    }

    // Single-change latency: create one Service, time until its VIP is written to the API.
    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const name = `change-${i}`;
      const done = controller.nextReconcile(
        (r) =>
          r.applied?.written !== undefined &&
          r.applied.written > 0 &&
          r.desired?.services.get(`default/${name}`)?.vip != null,
      );
      const t = performance.now();
      await client.create(`/api/v1/namespaces/default/services`, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'default' },
        spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
      });
      await done;
      latencies.push(performance.now() - t);
      await controller.idle();
    }
    latencies.sort((a, b) => a - b);
    fullCpu.sort((a, b) => a - b);
    fullWall.sort((a, b) => a - b);
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const result = {
      services: SERVICES,
      nodes: NODES,
      seedMs: Math.round(seededMs),
      initialListMs: Math.round(listedMs),
      initialSyncMs: Math.round(syncMs),
      initialSyncCpuMs: Math.round((syncCpu.user + syncCpu.system) / 1000),
      fullReconcileCpuMsP50: Number(fmt(percentile(fullCpu, 50))),
      fullReconcileCpuMsMax: Number(fmt(fullCpu[fullCpu.length - 1]!)),
      fullReconcileWallMsP50: Number(fmt(percentile(fullWall, 50))),
      changeLatencyMsP50: Number(fmt(percentile(latencies, 50))),
      changeLatencyMsP99: Number(fmt(percentile(latencies, 99))),
      peakRssMb: Math.round(rssMb),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.stdout.write(
      [
        `controller bench: ${SERVICES} Services, ${NODES} nodes`,
        `  initial sync (list + every VIP/route/session written): ${result.initialSyncMs} ms (${result.initialSyncCpuMs} ms CPU)`,
        `  full reconcile, converged (compute + diff): ${result.fullReconcileCpuMsP50} ms CPU p50, ${result.fullReconcileCpuMsMax} ms max   target <= 200 ms`,
        `  one Service change -> VIP written: p50 ${result.changeLatencyMsP50} ms, p99 ${result.changeLatencyMsP99} ms   target <= 50 ms`,
        `  peak RSS: ${result.peakRssMb} MB   target <= 256 MB`,
        '',
      ].join('\n'),
    );
    await controller.stop();
  } finally {
    client.close();
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
