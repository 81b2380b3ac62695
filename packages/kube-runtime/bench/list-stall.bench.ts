/**
 * How long does an informer's (re-)list of a large collection hold the event loop?
 *
 *   pnpm --filter @bgplb/kube-runtime bench          (BENCH_OBJECTS, BENCH_RUNS override)
 *
 * The test API server runs in its own process (its serialization must not count against ours);
 * this process creates BENCH_OBJECTS Services, then lists them with three informers in turn, each
 * with a fresh cache, while `perf_hooks.monitorEventLoopDelay` samples the loop every 1 ms:
 * - `sliced`: kube-runtime's Informer with its default slice (250 objects per event-loop turn);
 * - `unsliced`: the same Informer with one slice for the whole list (what sliced replaces);
 * - `client-node`: @kubernetes/client-node's ListWatch with the same paged list function.
 * Every informer gets the same listener (one Map write per change, as an app's index would).
 * Reports per variant: time to synced, event-loop delay p99 and max, min/median/max over runs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { spawnTestApiServer } from '@bgplb/test-apiserver';
import {
  KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  Watch,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { KubeClient, paths } from '../src/client.js';
import { Informer } from '../src/informer.js';
import type { KubeObject } from '../src/types.js';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SERVICES = paths.core('services');

async function startApiServer(dir: string): Promise<{ proc: ChildProcess; kubeconfig: string }> {
  const kubeconfig = join(dir, 'kubeconfig');
  const proc = await spawnTestApiServer({ kubeconfigOut: kubeconfig, historyLimit: OBJECTS * 2 });
  return { proc, kubeconfig };
}

function service(i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, namespace: 'default', labels: { app: `app-${i % 100}` } },
    spec: {
      type: 'LoadBalancer',
      allocateLoadBalancerNodePorts: false,
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
      selector: { app: `app-${i % 100}` },
    },
  };
}

async function seed(client: KubeClient): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < OBJECTS) {
      const i = next++;
      await client.create(paths.core('services', 'default'), service(i));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

interface Sample {
  syncMs: number;
  p99Ms: number;
  maxMs: number;
}

/** Runs `sync` while sampling the event loop; the histogram covers exactly the sync. */
async function measure(sync: () => Promise<() => Promise<void>>): Promise<Sample> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const stop = await sync();
  const syncMs = performance.now() - t0;
  h.disable();
  await stop();
  return { syncMs, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 };
}

const log = pino({ level: 'silent' });

function kubeRuntime(kc: KubeConfig, client: KubeClient, sliceSize: number) {
  return async () => {
    const index = new Map<string, unknown>();
    const informer = new Informer<KubeObject>(kc, client, {
      name: 'services',
      path: SERVICES,
      apiVersion: 'v1',
      kind: 'Service',
      sliceSize,
      log,
    });
    informer.on((_type, o) => index.set(o.metadata.name, o));
    informer.start();
    await informer.whenSynced();
    if (index.size !== OBJECTS) throw new Error(`synced ${index.size} of ${OBJECTS}`);
    return () => informer.stop();
  };
}

function clientNode(kc: KubeConfig, client: KubeClient) {
  return async () => {
    const index = new Map<string, unknown>();
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const items: KubernetesObject[] = [];
      let resourceVersion = '';
      for await (const page of client.listPages(SERVICES)) {
        items.push(...(page.items as KubernetesObject[]));
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      }
      return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion }, items };
    };
    const lw = new ListWatch<KubernetesObject>(SERVICES, new Watch(kc), listFn, false);
    lw.on('add', (o) => index.set(o.metadata?.name ?? '', o));
    await lw.start();
    if (index.size !== OBJECTS) throw new Error(`synced ${index.size} of ${OBJECTS}`);
    return () => lw.stop();
  };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] as number, median: s[Math.floor(s.length / 2)] as number, max: s.at(-1) as number };
};
const fmt = (xs: number[]) => {
  const { min, median, max } = stats(xs);
  return `${min.toFixed(1)} / ${median.toFixed(1)} / ${max.toFixed(1)}`;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-runtime-bench-'));
  const { proc, kubeconfig } = await startApiServer(dir);
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const client = new KubeClient(kc);
    const t = performance.now();
    await seed(client);
    console.error(`seeded ${OBJECTS} Services in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const variants: [string, () => Promise<() => Promise<void>>][] = [
      ['sliced (250)', kubeRuntime(kc, client, 250)],
      ['unsliced', kubeRuntime(kc, client, Number.MAX_SAFE_INTEGER)],
      ['client-node ListWatch', clientNode(kc, client)],
    ];
    const results = new Map<string, Sample[]>(variants.map(([name]) => [name, []]));
    // Warm-up (JIT), not recorded.
    for (const [, sync] of variants) await measure(sync);
    for (let run = 0; run < RUNS; run++) {
      // Rotate the order so that no variant always runs first on a warming machine.
      for (let k = 0; k < variants.length; k++) {
        const [name, sync] = variants[(run + k) % variants.length] as (typeof variants)[number];
        results.get(name)?.push(await measure(sync));
      }
    }
    client.close();
    const summary: Record<string, unknown> = { objects: OBJECTS, runs: RUNS };
    console.log(`list of ${OBJECTS} Services, ${RUNS} runs each, min / median / max:`);
    for (const [name, samples] of results) {
      const sync = samples.map((s) => s.syncMs);
      const p99 = samples.map((s) => s.p99Ms);
      const max = samples.map((s) => s.maxMs);
      console.log(
        `  ${name.padEnd(22)} synced in ${fmt(sync)} ms; event-loop delay p99 ${fmt(p99)} ms, max ${fmt(max)} ms`,
      );
      summary[name] = { syncMs: stats(sync), p99Ms: stats(p99), maxMs: stats(max) };
    }
    console.log(JSON.stringify(summary));
  } finally {
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
