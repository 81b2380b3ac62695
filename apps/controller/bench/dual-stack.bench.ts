/**
 * The full reconcile with 10k dual-stack Services against a same-run IPv4 baseline (issue 20):
 *
 *   pnpm --filter @bgplb/controller bench:dual-stack      (BENCH_SERVICES, BENCH_NODES, BENCH_ROUNDS, BENCH_RUNS)
 *
 * Each run profiles the IPv4 cluster (10k single-stack Services) and then the dual-stack one (10k
 * RequireDualStack Services: 20k VIPs and routes), in-process (reconcile-profile.ts: desiredState +
 * planWrites after a configuration change, nothing to write), in alternating order so that load on
 * the machine hits both alike. Reports min / median / max over the runs of each one's CPU p50 per
 * reconcile and the dual-stack / IPv4 ratio of each run. The target is the controller bench's
 * full-reconcile target (<= 200 ms of CPU), which covers this compute plus the informer and event
 * loop work around it.
 */
import { profileReconcile } from './reconcile-profile.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 13);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0]!.toFixed(1)} / median ${median(s).toFixed(1)} / max ${s[s.length - 1]!.toFixed(1)}`;
};

const v4: number[] = [];
const dual: number[] = [];
const ratios: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 === 0 ? [false, true] : [true, false];
  const cpu: Record<string, number> = {};
  for (const dualStack of order) {
    const p = await profileReconcile({ services: SERVICES, nodes: NODES, rounds: ROUNDS, dualStack });
    cpu[String(dualStack)] = median(p.cpus);
  }
  v4.push(cpu.false!);
  dual.push(cpu.true!);
  ratios.push(cpu.true! / cpu.false!);
}
process.stdout.write(
  [
    `full reconcile compute (desiredState + planWrites), ${SERVICES} Services, ${NODES} nodes, ${RUNS} runs of ${ROUNDS - 3} rounds (CPU p50 per reconcile, ms)`,
    `  IPv4 (${SERVICES} VIPs and routes):              ${summary(v4)}`,
    `  dual-stack (RequireDualStack, ${2 * SERVICES} VIPs): ${summary(dual)}   target <= 200 ms (controller bench)`,
    `  ratio dual-stack / IPv4, same run:     ${summary(ratios)}`,
    '',
  ].join('\n'),
);
