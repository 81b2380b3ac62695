/**
 * Admin-sync benchmark (issue 15): 50 user clusters x 200 objects.
 *
 *   pnpm --filter @bgplb/controller bench:admin-sync      (BENCH_USERS, BENCH_OBJECTS, BENCH_EDITS override)
 *
 * Three processes: the API servers (admin-sync-servers.ts: one admin, BENCH_USERS user clusters),
 * the admin-mode controller as shipped (`node dist/cli.js --mode admin`, measured alone from
 * /proc), and this one, which edits the admin cluster and watches the user clusters like a client.
 *
 * Reports, each with a baseline from the same run:
 * - full sync from cold: controller start -> every Cluster's status says Synced (10,000 creates),
 *   against this process creating the same number of objects in the user clusters directly
 *   (same per-cluster concurrency, 8): the ratio is the sync's overhead over bare writes;
 * - steady-state CPU of the controller: % of one core over 30 s without changes (one periodic
 *   resync of every cluster included);
 * - single-edit latency: a BGPPeer edit in the admin cluster -> the change seen by a watch on its
 *   user cluster, BENCH_EDITS edits at 5 per second spread over the clusters; p50/p99/max, against
 *   the same edit seen by a watch on the admin cluster itself (the API server's own propagation).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient, loadKubeConfig, paths } from '@bgplb/kube-runtime';
import { spawnScript } from '@bgplb/test-apiserver';
import { Watch } from '@kubernetes/client-node';
import type { KubeObject } from '../src/types.js';
import {
  buildController,
  controllerEnv,
  freePort,
  percentile,
  pool,
  procStats,
  round,
  sleep,
} from './bench-support.js';

const USERS = Number(process.env.BENCH_USERS ?? 50);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 200);
const EDITS = Number(process.env.BENCH_EDITS ?? 100);
const STEADY_MS = Number(process.env.BENCH_STEADY_SECONDS ?? 30) * 1000;
const APP = fileURLToPath(new URL('../', import.meta.url));
const PEERS = (ns: string, name?: string) => paths.group('networking.gke.io', 'v1', 'bgppeers', ns, name);

function startServers(dir: string): Promise<ChildProcess> {
  return spawnScript(
    join(APP, 'bench/admin-sync-servers.ts'),
    [dir, String(USERS), String(OBJECTS)],
    (line) => line.includes('"ready"'),
    { cwd: APP, stdin: true },
  );
}

function startController(kubeconfig: string, port: number): ChildProcess {
  const args = [
    join(APP, 'dist/cli.js'),
    '--mode',
    'admin',
    '--kubeconfig',
    kubeconfig,
    '--metrics-addr',
    `127.0.0.1:${port}`,
    '--log-level',
    'warn',
    '--resync-seconds',
    '30',
  ];
  const env = controllerEnv();
  return spawn(process.execPath, args, { cwd: APP, stdio: ['ignore', 'ignore', 'inherit'], env });
}

const client = (file: string) =>
  new KubeClient(loadKubeConfig({ kubeconfig: file }).kubeConfig, { maxSockets: 16 });

async function syncedClusters(admin: KubeClient): Promise<number> {
  const list = await admin.get<{ items: KubeObject[] }>(
    paths.group('baremetal.cluster.gke.io', 'v1', 'clusters'),
  );
  return list.items.filter(
    (c) =>
      (c.status as { bgpLoadBalancing?: { state?: string } } | undefined)?.bgpLoadBalancing?.state ===
      'Synced',
  ).length;
}

/** Watches BGPPeers of a namespace; calls `seen(name, peerASN)` for every change. */
async function watchPeers(
  file: string,
  ns: string,
  seen: (name: string, asn: number) => void,
): Promise<AbortController> {
  const watch = new Watch(loadKubeConfig({ kubeconfig: file }).kubeConfig);
  return watch.watch(
    PEERS(ns),
    { resourceVersion: '0' },
    (_type, obj: KubeObject) => seen(obj.metadata.name, (obj.spec as { peerASN: number }).peerASN),
    () => {},
  );
}

async function main(): Promise<void> {
  buildController();
  const dir = mkdtempSync(join(tmpdir(), 'bgplb-admin-bench-'));
  const servers = await startServers(dir);
  const adminFile = join(dir, 'admin.kubeconfig');
  const admin = client(adminFile);
  const users = Array.from({ length: USERS }, (_, i) => client(join(dir, `user-${i}.kubeconfig`)));
  let controller: ChildProcess | undefined;
  try {
    // Baseline: the same number of creates, done directly (into the namespace `baseline`).
    const sources = (await admin.get<{ items: KubeObject[] }>(PEERS('cluster-u0'))).items;
    const t0 = performance.now();
    await Promise.all(
      users.map((u) =>
        pool(
          Array.from({ length: OBJECTS }, (_, j) => j),
          8,
          (j) =>
            u.create(PEERS('baseline'), {
              apiVersion: 'networking.gke.io/v1',
              kind: 'BGPPeer',
              metadata: { name: `b-${j}`, namespace: 'baseline' },
              spec: sources[j % sources.length]?.spec,
            }),
        ),
      ),
    );
    const directMs = performance.now() - t0;

    const port = await freePort();
    const started = performance.now();
    controller = startController(adminFile, port);
    while ((await syncedClusters(admin)) < USERS) {
      if (controller.exitCode !== null) throw new Error(`the controller exited with ${controller.exitCode}`);
      if (performance.now() - started > 600_000) throw new Error('no full sync within 10 minutes');
      await sleep(100);
    }
    const coldMs = performance.now() - started;
    const coldCpu = procStats(controller.pid as number).cpuMs;

    // Steady state: no changes.
    await sleep(2000);
    const before = procStats(controller.pid as number).cpuMs;
    await sleep(STEADY_MS);
    const steadyPct = ((procStats(controller.pid as number).cpuMs - before) / STEADY_MS) * 100;

    // Single edits, each watched on both sides.
    const pending = new Map<string, { at: number; admin?: number; user?: number }>();
    const note = (side: 'admin' | 'user', ns: string) => (name: string, asn: number) => {
      const p = pending.get(`${ns}/${name}/${asn}`);
      if (p !== undefined && p[side] === undefined) p[side] = performance.now() - p.at;
    };
    const watches: AbortController[] = [];
    for (let i = 0; i < USERS; i++) {
      watches.push(
        await watchPeers(join(dir, `user-${i}.kubeconfig`), `cluster-u${i}`, note('user', `cluster-u${i}`)),
      );
      watches.push(await watchPeers(adminFile, `cluster-u${i}`, note('admin', `cluster-u${i}`)));
    }
    await sleep(1000);
    for (let k = 0; k < EDITS; k++) {
      const i = (k * 7) % USERS;
      const ns = `cluster-u${i}`;
      const name = `peer-${k % (OBJECTS - 2)}`;
      const asn = 65100 + k;
      pending.set(`${ns}/${name}/${asn}`, { at: performance.now() });
      await admin.mergePatch(PEERS(ns, name), { spec: { peerASN: asn } });
      await sleep(200);
    }
    const end = performance.now() + 10_000;
    while ([...pending.values()].some((p) => p.user === undefined) && performance.now() < end)
      await sleep(50);
    for (const w of watches) w.abort();
    const userLat = [...pending.values()]
      .map((p) => p.user ?? Number.POSITIVE_INFINITY)
      .sort((a, b) => a - b);
    const adminLat = [...pending.values()]
      .map((p) => p.admin ?? Number.POSITIVE_INFINITY)
      .sort((a, b) => a - b);
    const stats = procStats(controller.pid as number);
    const result = {
      users: USERS,
      objectsPerUser: OBJECTS,
      coldSyncMs: Math.round(coldMs),
      directCreateMs: Math.round(directMs),
      coldRatio: round(coldMs / directMs),
      coldSyncCpuMs: Math.round(coldCpu),
      steadyCpuPctOfOneCore: round(steadyPct),
      editP50Ms: round(percentile(userLat, 50)),
      editP99Ms: round(percentile(userLat, 99)),
      editMaxMs: round(userLat.at(-1) ?? 0),
      adminWatchP50Ms: round(percentile(adminLat, 50)),
      adminWatchP99Ms: round(percentile(adminLat, 99)),
      editP99Ratio: round(percentile(userLat, 99) / Math.max(1, percentile(adminLat, 99))),
      controllerPeakRssMb: Math.round(stats.peakRssMb),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    controller?.kill('SIGTERM');
    admin.close();
    for (const u of users) u.close();
    servers.stdin?.end();
    await new Promise((r) => servers.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
