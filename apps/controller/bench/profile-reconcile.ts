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
 * BENCH_SERVICES, BENCH_NODES, BENCH_ROUNDS override the sizes; BENCH_DUAL_STACK=1 profiles the
 * dual-stack cluster (10k RequireDualStack Services, 20k VIPs and routes).
 */
import { profileReconcile } from './reconcile-profile.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const DUAL = process.env.BENCH_DUAL_STACK === '1';

const p = await profileReconcile({ services: SERVICES, nodes: NODES, rounds: ROUNDS, dualStack: DUAL });
const q = (xs: number[], at: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(at * sorted.length))]!.toFixed(1);
};
const gcTotal = p.gcs.reduce((a, b) => a + b, 0);
process.stdout.write(
  [
    `desiredState+planWrites, ${SERVICES}${DUAL ? ' dual-stack' : ''} Services, ${NODES} nodes, ${ROUNDS - 3} rounds after 3 warm-up rounds (${p.warmup.map((t) => t.toFixed(1)).join(' / ')} ms)`,
    `  wall p50 ${q(p.times, 0.5)} ms, max ${q(p.times, 1)} ms; CPU p50 ${q(p.cpus, 0.5)} ms, max ${q(p.cpus, 1)} ms`,
    `  GC p50 ${q(p.gcs, 0.5)} ms, max ${q(p.gcs, 1)} ms per round (${(gcTotal / (ROUNDS - 3)).toFixed(1)} ms mean); heap used ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`,
    `  heap growth per round p50 ${q(p.grown, 0.5)} MB`,
    '',
  ].join('\n'),
);
