/**
 * Next-hop liveness between agents, at a real router: three agents (node-a holds the floating
 * IP; node-b and node-c are the VIP's next hops) with `--next-hop-liveness on` and FRR 8.4 on the
 * ToR with ADD-PATH.
 * - node-b's link is cut (no clean stop): the ToR's FIB loses that next hop within a second, and
 *   gets it back only after the hold-down;
 * - node-a is cut off from both next hops but not from the ToR: it keeps its routes and raises
 *   the self-isolation alert (metric, Event, log);
 * - node-c's link flaps 10 times in 10 s (faster BFD, so BFD itself flaps): the route changes at
 *   most twice.
 * Needs root (network namespaces), FRR and nft; skipped elsewhere.
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentLab, V } from './test-support/agent-lab.js';

const skip = labSkipReason({ nft: true });
if (skip) console.warn(`next-hop liveness tests skipped: ${skip}`);

const FIP = '10.0.1.100';
const VIP = '10.0.0.9/32';
const HOP_B = '10.0.1.11';
const HOP_C = '10.0.1.12';
const NODES = [
  { name: 'node-a', address: '10.0.1.10/24' },
  { name: 'node-b', address: `${HOP_B}/24` },
  { name: 'node-c', address: `${HOP_C}/24` },
];

/** The value of a metric without labels in a Prometheus text page. */
function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/**
 * A lab with the three agents running liveness (extra flags for all, and per node), the VIP on
 * node-b and node-c.
 */
async function startLab(
  name: string,
  flags: string[],
  nodeFlags: Record<string, string[]> = {},
): Promise<AgentLab> {
  const { AgentLab } = await import('./test-support/agent-lab.js');
  const lab = await AgentLab.create(name, NODES);
  try {
    await lab.startTor1Cluster([FIP], VIP);
    lab.setRoute('default-default-web', VIP, [HOP_B, HOP_C]);
    const agents = NODES.map((n) =>
      lab.startAgent(n.name, ['--next-hop-liveness', 'on', ...flags, ...(nodeFlags[n.name] ?? [])]),
    );
    await Promise.all(agents.map((a) => a.waitReady()));
    const holder = agents[0];
    await lab.waitFor(
      'node-a sees both next hops Up over BFD',
      () =>
        holder?.logged(new RegExp(`BFD to ${HOP_B.replaceAll('.', '\\.')} .*-> Up`)) &&
        holder.logged(new RegExp(`BFD to ${HOP_C.replaceAll('.', '\\.')} .*-> Up`)),
      30_000,
      100,
    );
    await lab.waitFor('both next hops in the ToR FIB', async () => (await lab.fib(VIP)).length === 2, 30_000);
    return lab;
  } catch (err) {
    await lab.destroy();
    throw err;
  }
}

type LivenessEntry = {
  withheld: { nextHop: string; state: string; reason: string }[];
  isolationSuspected?: boolean;
};

/** `status.nextHopLiveness` of the VIP's BGPAdvertisedRoute. */
function routeLiveness(lab: AgentLab): Record<string, LivenessEntry> | undefined {
  const route = lab.server.store.get(V, 'BGPAdvertisedRoute', 'default-default-web', 'kube-system');
  return (route?.status as { nextHopLiveness?: Record<string, LivenessEntry> } | undefined)?.nextHopLiveness;
}

describe.skipIf(skip)('agent: next-hop liveness at 300 ms x 3 (netns, FRR; needs root)', () => {
  let lab: AgentLab;

  beforeAll(async () => {
    lab = await startLab('nhlive', []);
  }, 120_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it("a next hop's link is cut: the ToR loses that path within a second, and gets it back after the hold-down", async () => {
    const holder = lab.agents[0];
    // The ToR's FIB change is timed inside its namespace by a monitor started before the cut;
    // the polls below only wait for it (a poll is a process start-up: on a loaded machine it
    // would add hundreds of ms to the measured time).
    const monitor = await lab.tor.monitorRoutes();
    let lostAt: number | undefined;
    let cutAt: number;
    try {
      // The clock starts once the link is down (not before the commands that take it down).
      cutAt = await lab.setLink('node-b', false);
      await lab.waitFor(
        'the ToR FIB without node-b',
        async () => {
          const hops = await lab.fib(VIP);
          return hops.length === 1 && hops[0] === HOP_C;
        },
        10_000,
        20,
      );
      lostAt = await lab.waitFor('the route monitor to have printed the change', () =>
        monitor.firstChange(VIP, cutAt, (hops) => !hops.includes(HOP_B)),
      );
    } finally {
      await monitor.stop();
    }
    const lossMs = Math.round(lostAt - cutAt);
    const bgpGone = (await lab.paths(VIP)).map((p) => p.nextHop);
    // Where the time went, from node-a's own log times: detection (BFD Down) and the decision.
    const loggedAt = (re: RegExp) => {
      const line = holder?.lines.find((l) => re.test(String(l.msg)) && Date.parse(String(l.time)) >= cutAt);
      return line === undefined ? Number.NaN : Date.parse(String(line.time)) - cutAt;
    };
    const downMs = loggedAt(/BFD to 10\.0\.1\.11 Up -> Down/);
    const withdrawnMs = loggedAt(/next hop 10\.0\.1\.11 withdrawn/);
    console.log(
      `NEXT HOP CUT -> ToR FIB without it: ${lossMs} ms (node-a: BFD Down at ${downMs} ms, withdrawn at ${withdrawnMs} ms; decision -> ToR FIB ${lossMs - withdrawnMs} ms); BGP paths now ${JSON.stringify(bgpGone)}`,
    );
    // Detection is 600-900 ms at 300 ms x 3 (the last packet came 0-300 ms before the cut; the
    // detection timer may fire up to 2%, 18 ms, late), the withdrawal adds the UPDATE (sent at
    // once) and FRR's processing: bgpd's 50 ms work-queue hold and zebra's FIB install. Budget:
    // 1 s, plus 250 ms for a loaded 2-core machine, where every one of these processes waits for
    // a core.
    expect(lossMs).toBeLessThan(1_250);
    expect(bgpGone).toEqual([HOP_C]);
    await holder?.waitForLog(/next hop 10\.0\.1\.11 withdrawn: its BFD session went Down/, 10_000);
    await lab.waitFor(
      'a NextHopWithdrawn Event on node-a',
      () => lab.nodeEvents('node-a').some((e) => e.reason === 'NextHopWithdrawn'),
      10_000,
    );
    const withdrawals = await lab.waitFor(
      'the withdrawal counted',
      async () => {
        const text = await lab.metrics('node-a');
        return /bgplb_agent_next_hop_withdrawals_total\{reason="bfd-down"\} 1/.test(text) ? text : undefined;
      },
      5_000,
      200,
    );
    expect(withdrawals).toMatch(/bgplb_agent_self_isolation_suspected 0/);
    // The decision is in the route's status, under the holder's name.
    const entry = await lab.waitFor(
      "node-a's entry in the BGPAdvertisedRoute status",
      () => routeLiveness(lab)?.['node-a'],
      10_000,
    );
    expect(entry.withheld).toEqual([
      expect.objectContaining({ nextHop: HOP_B, state: 'withdrawn', reason: 'bfd-down' }),
    ]);

    // Back: BFD comes Up again, and the path returns only after the 3 s hold-down.
    await lab.setLink('node-b', true);
    // When node-a saw it Up (its own log time, where the hold-down starts), not when this process
    // read that line: read late, the hold-down would look shorter than it is.
    const upAt = await lab.waitFor(
      'node-a sees node-b Up again',
      () => {
        const ups = holder?.lines.filter((l) => /BFD to 10\.0\.1\.11 .*-> Up/.test(String(l.msg))) ?? [];
        return ups.length >= 2 ? Date.parse(String(ups[1]?.time)) : undefined;
      },
      20_000,
      20,
    );
    const backAt = await lab.waitFor(
      'node-b back in the ToR FIB',
      async () => ((await lab.fib(VIP)).length === 2 ? Date.now() : undefined),
      20_000,
      20,
    );
    console.log(`NEXT HOP BACK: BFD Up -> ToR FIB with it again: ${backAt - upAt} ms (hold-down 3000 ms)`);
    expect(backAt - upAt).toBeGreaterThanOrEqual(2_900);
    expect(backAt - upAt).toBeLessThan(6_000);
    await holder?.waitForLog(
      /next hop 10\.0\.1\.11 announced again: its BFD session has been Up for the hold-down/,
      10_000,
    );
  }, 60_000);

  it('a holder cut off from every next hop but not from the ToR keeps its routes and raises its alert', async () => {
    const node = lab.nodes.get('node-a');
    if (!node) throw new Error('no node-a');
    // Every change of the ToR's route, however short (a poll could miss a withdrawal and return
    // between two samples).
    const monitor = await lab.tor.monitorRoutes();
    const cutAt = Date.now();
    // Drop everything to and from the next hops inside node-a (BGP to the ToR is untouched).
    const rules = [
      'add table inet nhcut',
      'add chain inet nhcut in { type filter hook input priority -10 ; }',
      'add chain inet nhcut out { type filter hook output priority -10 ; }',
      `add rule inet nhcut in ip saddr { ${HOP_B}, ${HOP_C} } drop`,
      `add rule inet nhcut out ip daddr { ${HOP_B}, ${HOP_C} } drop`,
    ];
    for (const r of rules) await node.exec('nft', r.split(' '));
    let fibChanges: { t: number; gateways: string[] }[];
    try {
      const alert = await lab.waitFor(
        'the self-isolation alert on node-a',
        async () => {
          const text = await lab.metrics('node-a');
          return metric(text, 'bgplb_agent_self_isolation_suspected') === 1 ? text : undefined;
        },
        10_000,
        200,
      );
      expect(metric(alert, 'bgplb_agent_self_isolation_total')).toBe(1);
      await lab.waitFor(
        'a SelfIsolationSuspected Event on node-a',
        () =>
          lab.nodeEvents('node-a').some((e) => e.reason === 'SelfIsolationSuspected' && e.type === 'Warning'),
        10_000,
      );
      // The log line comes through the agent's stdout pipe, which a loaded machine may deliver after
      // the metric and the Event (both over HTTP): wait for it rather than look once.
      await lab.agents[0]?.waitForLog(/self-isolation suspected: 2 of 2 next hops failed at once/, 10_000);
      // The guard may start on one Down next hop and one Up but silent (about to go Down): that one
      // is still announced, so the status first lists one kept next hop, then both once it is Down.
      const entry = await lab.waitFor(
        'the guard and both next hops kept in the route status',
        () => {
          const e = routeLiveness(lab)?.['node-a'];
          return e?.isolationSuspected && e.withheld.length === 2 ? e : undefined;
        },
        10_000,
      );
      expect(entry.withheld.map((w) => [w.nextHop, w.state, w.reason])).toEqual([
        [HOP_B, 'kept', 'isolation-suspected'],
        [HOP_C, 'kept', 'isolation-suspected'],
      ]);
      // Keep watching for a while: the routes stay.
      await new Promise((r) => setTimeout(r, 3_000));
    } finally {
      // Read before the next hops answer again (then the routes may legitimately change).
      fibChanges = monitor.nextHopChanges(VIP, cutAt, [HOP_B, HOP_C]);
      await node.exec('nft', ['delete', 'table', 'inet', 'nhcut']);
      await monitor.stop();
    }
    expect(fibChanges).toEqual([]);
    expect((await lab.paths(VIP)).map((p) => p.nextHop).sort()).toEqual([HOP_B, HOP_C]);
    await lab.waitFor(
      'the guard clears once the next hops answer again',
      async () => metric(await lab.metrics('node-a'), 'bgplb_agent_self_isolation_suspected') === 0,
      20_000,
      200,
    );
    // The Event is a separate, asynchronous POST by the agent's event sink: the metric read over
    // HTTP can show the guard cleared before the Event reached the API server.
    await lab.waitFor(
      'a SelfIsolationCleared Event on node-a',
      () => lab.nodeEvents('node-a').some((e) => e.reason === 'SelfIsolationCleared'),
      10_000,
    );
  }, 60_000);
});

describe.skipIf(skip)('agent: next-hop liveness, a flapping next hop (netns, FRR; needs root)', () => {
  let lab: AgentLab;

  beforeAll(async () => {
    // node-a and node-c at 100 ms x 3: detection in 200-300 ms, so each outage is seen as a BFD
    // Down. node-b keeps the default 300 ms (its session with node-a negotiates 300 ms, detection
    // 900 ms): at 100 ms a loaded machine made node-b look silent for 300 ms just as node-c went
    // Down, two of three next hops (node-a counts itself) failing at once, and the self-isolation
    // guard rightly announced node-c again ("announced again: self-isolation suspected"), two
    // route changes more than the hold-down allows, which is not what this test is about.
    lab = await startLab('nhflap', [], {
      'node-a': ['--next-hop-interval', '100ms'],
      'node-c': ['--next-hop-interval', '100ms'],
    });
  }, 120_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('10 flaps in 10 s change the route at most twice (hold-down)', async () => {
    const holder = lab.agents[0];
    const transitions = () =>
      holder?.lines.filter((l) => /BFD to 10\.0\.1\.12 .*-> (Up|Down)/.test(String(l.msg))).length ?? 0;
    const decisionLines = () =>
      holder?.lines.filter((l) => /^next hop 10\.0\.1\.12 (withdrawn|announced again)/.test(String(l.msg))) ??
      [];
    // At 100 ms x 3 a loaded machine can flap BFD once on its own before the test starts; start
    // from node-c announced (not inside a hold-down) and count only this test's decisions.
    await lab.waitFor(
      'node-c in the ToR FIB before the flaps',
      async () => (await lab.fib(VIP)).length === 2,
      30_000,
      50,
    );
    const before = transitions();
    const decisionsBefore = decisionLines().length;
    // Every change of the ToR's route, however short (a poll could miss one between two samples).
    const monitor = await lab.tor.monitorRoutes();
    const flapsFrom = Date.now();
    // Each outage (600 ms) is twice the detection time, so BFD sees every one even when this
    // loaded machine runs its timers late; each Up period (400 ms, plus BFD's slow-rate start) is
    // far below the 3 s hold-down.
    let fibChanges: { t: number; gateways: string[] }[];
    let flappedAt: number;
    try {
      for (let i = 0; i < 10; i++) {
        await lab.setLink('node-c', false);
        await new Promise((r) => setTimeout(r, 600));
        await lab.setLink('node-c', true);
        await new Promise((r) => setTimeout(r, 400));
      }
      flappedAt = Date.now();
      await lab.waitFor(
        'node-c back in the ToR FIB',
        async () => (await lab.fib(VIP)).length === 2,
        30_000,
        50,
      );
      // The monitor may print the last change after the poll saw it.
      fibChanges = await lab.waitFor('the route monitor to have printed the route back', () => {
        const changes = monitor.nextHopChanges(VIP, flapsFrom, [HOP_B, HOP_C]);
        return changes.length === 0 || changes.at(-1)?.gateways.length === 2 ? changes : undefined;
      });
    } finally {
      await monitor.stop();
    }
    const bfdFlaps = transitions() - before;
    const decisions = decisionLines()
      .slice(decisionsBefore)
      .map((l) => `${String(l.time).slice(11, 23)} ${String(l.msg)}`);
    const timeline = fibChanges.map(
      (c) => `${new Date(c.t).toISOString().slice(11, 23)} ${c.gateways.length} hops`,
    );
    console.log(
      `FLAP: ${bfdFlaps} BFD transitions of node-c seen by node-a during 10 link flaps; ${fibChanges.length} FIB changes; back ${Date.now() - flappedAt} ms after the last flap\n  FIB: ${timeline.join(', ')}\n  decisions: ${decisions.join('; ')}`,
    );
    // BFD really flapped (more than one Down and Up), yet the route changed at most twice: at
    // the router (FIB) and in the holder's decisions.
    expect(bfdFlaps).toBeGreaterThanOrEqual(4);
    expect(decisions.length).toBeGreaterThanOrEqual(1);
    expect(decisions.length).toBeLessThanOrEqual(2);
    expect(fibChanges.length).toBeGreaterThanOrEqual(1);
    expect(fibChanges.length).toBeLessThanOrEqual(2);
  }, 90_000);
});
