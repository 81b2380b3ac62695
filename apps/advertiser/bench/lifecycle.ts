/**
 * Lifecycle timings of the built `bgpadvertiser` against FRR 8.4 in network namespaces: process
 * start -> Established, start -> route at FRR, SIGTERM -> exit, SIGTERM -> route gone at FRR, and
 * resident memory with one session. Needs root and FRR (prints why and exits 0 otherwise).
 *
 *   pnpm turbo run build --filter @bgplb/advertiser... && pnpm --filter @bgplb/advertiser bench
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { frrNextHops, startAdvertiser, torAndNode } from '../test/e2e/harness.js';

const RUNS = Number(process.env.RUNS ?? 10);
const skip = labSkipReason();
if (skip) {
  console.log(`advertiser lifecycle bench skipped: ${skip}`);
  process.exit(0);
}

const lab = Lab.create('advbench');
const samples: Record<string, number[]> = {
  'start -> Established (ms)': [],
  'start -> route at FRR (ms)': [],
  'SIGTERM -> exit 0 (ms)': [],
  'SIGTERM -> route gone at FRR (ms)': [],
  'RSS with 1 session (MiB)': [],
};
try {
  const { node, frr } = await torAndNode(lab);
  const conf = join(lab.workDir, 'bgpadvertiser.conf');
  writeFileSync(
    conf,
    'localIP: 10.0.1.10\nlocalASN: 65001\npeers:\n- peerIP: 10.0.1.254\n  peerASN: 65002\n',
  );
  for (let i = 0; i < RUNS; i++) {
    const t0 = Date.now();
    const adv = startAdvertiser(node, ['--config', conf, '--advertise-ip', '10.0.0.8']);
    await adv.waitLog(/new=BGP_FSM_ESTABLISHED/);
    samples['start -> Established (ms)']?.push(Date.now() - t0);
    await waitFor(
      'the route at FRR',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 1,
      10_000,
      10,
    );
    samples['start -> route at FRR (ms)']?.push(Date.now() - t0);
    const rss = Number((await node.exec('ps', ['-o', 'rss=', '-p', String(adv.child.pid)])).trim());
    samples['RSS with 1 session (MiB)']?.push(Math.round(rss / 102.4) / 10);
    const t1 = Date.now();
    adv.signal('SIGTERM');
    const exit = await adv.exited;
    if (exit.code !== 0) throw new Error(`exit ${JSON.stringify(exit)}`);
    samples['SIGTERM -> exit 0 (ms)']?.push(Date.now() - t1);
    await waitFor(
      'the route gone at FRR',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 0,
      10_000,
      10,
    );
    samples['SIGTERM -> route gone at FRR (ms)']?.push(Date.now() - t1);
    // FRR's idle hold after the Cease: let it accept the next session.
    await new Promise((r) => setTimeout(r, 1_500));
  }
} finally {
  await lab.destroy();
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
console.log(`bgpadvertiser lifecycle against FRR, ${RUNS} runs`);
console.log('| measure | median | p90 | max |');
console.log('|---|---|---|---|');
for (const [name, xs] of Object.entries(samples)) {
  console.log(`| ${name} | ${pct(xs, 0.5)} | ${pct(xs, 0.9)} | ${Math.max(...xs)} |`);
}
