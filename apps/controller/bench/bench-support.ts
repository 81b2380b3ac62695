/**
 * What the controller benchmarks share: building the shipped controller, measuring a process from
 * /proc, a free port, a bounded-concurrency loop and percentiles.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Builds dist/cli.js and the workspace libraries it imports, as a user's image would have them. */
export function buildController(): void {
  if (process.env.BENCH_SKIP_BUILD === '1') return;
  const r = spawnSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@bgplb/controller...', '--output-logs=errors-only'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (r.status !== 0)
    throw new Error(`building the controller failed (${r.error?.message ?? `exit ${r.status}`})`);
}

/** Same as the Helm chart's controller.nodeOptions default. */
export const CONTROLLER_NODE_OPTIONS = '--max-semi-space-size=4 --max-old-space-size=192';

/**
 * The environment the controller's image sets (apps/controller/Dockerfile) on top of NODE_OPTIONS:
 * MALLOC_ARENA_MAX=2, MALLOC_MMAP_THRESHOLD_=131072, MALLOC_TRIM_THRESHOLD_=262144.
 * BENCH_MALLOC_ARENA_MAX, BENCH_MALLOC_MMAP_THRESHOLD and BENCH_MALLOC_TRIM_THRESHOLD override
 * them; empty leaves glibc's default.
 */
export function controllerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? CONTROLLER_NODE_OPTIONS,
  };
  const image: Array<[string, string | undefined, string]> = [
    ['MALLOC_ARENA_MAX', process.env.BENCH_MALLOC_ARENA_MAX, '2'],
    ['MALLOC_MMAP_THRESHOLD_', process.env.BENCH_MALLOC_MMAP_THRESHOLD, '131072'],
    ['MALLOC_TRIM_THRESHOLD_', process.env.BENCH_MALLOC_TRIM_THRESHOLD, '262144'],
  ];
  for (const [name, override, value] of image) {
    const v = override ?? value;
    if (v === '') delete env[name];
    else env[name] = v;
  }
  return env;
}

/** CPU time (ms) and peak RSS (MB) of a process, from /proc. */
export function procStats(pid: number): { cpuMs: number; peakRssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuMs: (ticks * 1000) / 100, peakRssMb: Number(hwm?.[1] ?? 0) / 1024 };
}

export async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
export const round = (n: number) => Math.round(n * 10) / 10;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
