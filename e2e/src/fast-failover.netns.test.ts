/**
 * Fast failover on topology 03 (issue 17): a load-balancer node dies (its links go down and its
 * processes are killed, no clean stop) while a client in front of the ToR starts a request to a
 * Service VIP every 20 ms. With next-hop liveness on every agent (`--next-hop-liveness on`) and
 * BFD on the service peer (BGPPeer `spec.bfd`, FRR `neighbor LB bfd profile fast`), the ToR must
 * stop sending flows to the dead node within a second, without waiting for Kubernetes (NotReady
 * after 40 s here, as on a real cluster). Runs `BGPLB_FAILOVER_RUNS` times (default 3), bringing
 * the node back in between; every run's loss window is printed (docs/benchmarks.md).
 * Needs root and FRR (with bfdd); skipped with the reason otherwise.
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distIsFresh } from './netns/dist-fresh.js';
import { E2eLab, REPO, V1 } from './netns/e2e-lab.js';
import { lossWindow } from './netns/loss-window.js';

const skip = labSkipReason({ bfdd: true });
if (skip) console.warn(`fast-failover e2e skipped: ${skip}`);

const TOR = 'tor1';
const INTERVAL_MS = 20;
const RUNS = Number(process.env.BGPLB_FAILOVER_RUNS ?? 3);
/**
 * The acceptance budget is 1 s, checked by `pnpm --filter @bgplb/e2e bench:failover` on a quiet
 * machine (docs/benchmarks.md); 500 ms more here for a shared, loaded 2-core CI machine (the Lease
 * failover's sibling measurements reached 1.1-1.45 s there).
 */
const LOSS_BUDGET_MS = 1_000 + 500;
const LB = { lb1: '10.0.3.10', lb2: '10.0.3.11' } as const;
type LbNode = keyof typeof LB;

describe.skipIf(skip !== undefined)('e2e fast failover on topology 03 (netns + FRR + bfdd)', () => {
  let lab: E2eLab;
  let vip = '';
  const results: {
    run: number;
    victim: string;
    fibMs: number;
    windowMs: number;
    failed: number;
    total: number;
  }[] = [];

  const sessions = () => lab.server.store.list(V1, 'BGPSession', { namespace: 'kube-system' });
  const steady = async (): Promise<boolean> => {
    const s = sessions();
    const ok =
      s.length === 2 &&
      s.every((x) => {
        const st = x.status as { state?: string; bfdState?: string } | undefined;
        return st?.state === 'Established' && st.bfdState === 'Up';
      });
    if (!ok || (await lab.torFib(TOR, `${vip}/32`)).join() !== `${LB.lb1},${LB.lb2}`) return false;
    return lab.torBfdUp(
      TOR,
      s.map((x) => (x.spec as { floatingIP?: string }).floatingIP ?? ''),
    );
  };
  /**
   * Every floating-IP holder (any node: after a death the Lease fast path may have moved a floating
   * IP to w1) sees every load-balancer node other than itself Up over BFD.
   */
  const livenessUp = (): boolean =>
    [...new Set(Object.values(lab.floatingIPs()))].every((holder) =>
      Object.entries(LB)
        .filter(([n]) => n !== holder)
        .every(([, ip]) => {
          const lines = lab
            .proc(`agent/${holder}`)
            .lines.filter((l) =>
              new RegExp(`BFD to ${ip.replaceAll('.', '\\.')} .*-> (Up|Down|Init|AdminDown)`).test(
                String(l.msg),
              ),
            );
          return /-> Up/.test(String(lines.at(-1)?.msg ?? ''));
        }),
    );

  beforeAll(async () => {
    lab = await E2eLab.up({
      topology: '03-separate-control-and-data-plane',
      dist: process.env.BGPLB_E2E_SOURCES !== '1' && distIsFresh(REPO),
      agentArgs: ['--next-hop-liveness', 'on'],
      bfdd: true,
      // Kubernetes speed, as on a real cluster: the slow path cannot be what saves these runs.
      nodeMonitorGraceMs: 40_000,
      graceSeconds: 30,
      log: (l) => console.log(`[e2e] ${l}`),
    });
    // BFD on the service sessions, both ends (the dead holder's own session must go too).
    await lab.enableServiceBfd(TOR);
    lab.createService('web');
    vip = await lab.waitFor('the Service VIP', () => lab.serviceVIP('web'), 30_000);
    await lab.waitFor('sessions Established with BFD Up, both next hops in the FIB', steady, 90_000, 200);
    await lab.waitFor('next-hop liveness Up on the holders', livenessUp, 30_000, 200);
  }, 300_000);

  afterAll(async () => {
    await lab?.down();
    const rows = results.map(
      (r) => `| ${r.run} | ${r.victim} | ${r.fibMs} | ${r.windowMs} | ${r.failed}/${r.total} |`,
    );
    console.log(
      [
        'fast failover (a load-balancer node dies):',
        '| run | node | ToR FIB without it (ms) | loss window (ms) | failed requests |',
        '|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  }, 60_000);

  for (let run = 1; run <= RUNS; run++) {
    it(`run ${run}: a load-balancer node dies: loss window <= 1 s (+ machine margin)`, async () => {
      const victim: LbNode = run % 2 === 1 ? 'lb1' : 'lb2';
      const survivor = victim === 'lb1' ? LB.lb2 : LB.lb1;
      const prefix = `${vip}/32`;
      const probe = lab.probeEvery(vip, 80, INTERVAL_MS);
      await new Promise((r) => setTimeout(r, 1_000));
      const t0 = await lab.killNode(victim, ['agent', 'kubelet']);
      await lab.waitFor(
        `${victim} gone from the ${TOR} FIB`,
        async () => (await lab.torFib(TOR, prefix)).join() === survivor,
        15_000,
        10,
      );
      const fibMs = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 1_500));
      const samples = await probe.stop();
      const lw = lossWindow(samples, INTERVAL_MS);
      results.push({ run, victim, fibMs, windowMs: lw.windowMs, failed: lw.failed, total: lw.total });
      console.log(
        `[e2e] fast failover run ${run}: ${victim} died; ToR FIB without it after ${fibMs} ms; loss window ${lw.windowMs} ms (${lw.failed}/${lw.total} requests failed)`,
      );
      expect(lw.total).toBeGreaterThan(50);
      expect(lw.windowMs, `loss window of run ${run}`).toBeLessThanOrEqual(LOSS_BUDGET_MS);
      // Once the FIB has only the survivor, every request succeeds.
      const after = samples.filter((s) => s.t > t0 + fibMs + 100);
      expect(after.length).toBeGreaterThan(10);
      expect(after.filter((s) => !s.ok)).toEqual([]);

      // Bring the node back for the next run: links, routes, kubelet and agent (about a minute on
      // a loaded machine; after the last run the lab is torn down instead).
      if (run === RUNS) return;
      await lab.restoreNode(victim);
      await lab.startKubelet(victim);
      await lab.startAgent(victim);
      await lab.waitFor(`${victim} back: sessions and both next hops`, steady, 90_000, 200);
      await lab.waitFor('next-hop liveness Up on the holders again', livenessUp, 30_000, 200);
    }, 180_000);
  }
});
