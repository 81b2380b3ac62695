/**
 * Issue 21's half-open target: /healthz answers within 100 ms while 2,000 idle, half-sent
 * connections sit on a server limited to 1,024 descriptors (test/fixtures/half-open.ts, the same
 * scenario as test/half-open.test.ts). Each run probes the server idle first (the same-run
 * baseline), then under the half-open load; reported: min / median / max over the runs of each
 * run's median probe, and the ratio loaded / idle.
 *
 *   pnpm --filter @bgplb/kube-runtime bench:half-open [-- --runs 5]
 */
import { cleanUp, halfOpen, probe, startChild } from '../test/fixtures/half-open.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const PROBES = 5;
const TARGET_MS = 100;

const median = (xs: number[]): number => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const stats = (xs: number[]) => {
  const s = xs.toSorted((a, b) => a - b);
  return { min: s[0]!, median: median(s), max: s.at(-1)! };
};
const fmt = (o: { min: number; median: number; max: number }) =>
  `${o.min.toFixed(1)} / ${o.median.toFixed(1)} / ${o.max.toFixed(1)}`;

async function probes(port: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const t = await probe(port, 2_000);
    if (typeof t !== 'number') throw new Error(`a probe failed: ${t}`);
    out.push(t);
  }
  return out;
}

const idle: number[] = [];
const loaded: number[] = [];
for (let run = 0; run < RUNS; run++) {
  try {
    const port = await startChild();
    await probe(port, 2_000); // the client's first fetch loads its HTTP stack
    idle.push(median(await probes(port)));
    await halfOpen(port, 2_000);
    await new Promise((r) => setTimeout(r, 1_000));
    loaded.push(median(await probes(port)));
  } finally {
    cleanUp();
  }
}
const ratios = loaded.map((l, i) => l / idle[i]!);
console.log(`/healthz probe, median of ${PROBES} per run, ${RUNS} runs, min / median / max (ms):`);
console.log(`  idle server                           ${fmt(stats(idle))}`);
console.log(`  2,000 half-open connections, fd 1024  ${fmt(stats(loaded))}   target <= ${TARGET_MS} ms`);
console.log(`  ratio half-open / idle                ${fmt(stats(ratios))}`);
console.log(
  JSON.stringify({ runs: RUNS, idleMs: stats(idle), halfOpenMs: stats(loaded), ratio: stats(ratios) }),
);
