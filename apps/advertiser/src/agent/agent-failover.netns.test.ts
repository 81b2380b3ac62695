/**
 * Floating-IP failover with real processes: FRR on a ToR, `bgpadvertiser agent` on nodes A and B,
 * the test API server as the cluster. Needs root (network namespaces) and FRR; skipped elsewhere.
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentLab, AgentProcess } from './test-support/agent-lab.js';

const skip = labSkipReason();
if (skip) console.warn(`agent failover tests skipped: ${skip}`);

const FIP = '10.0.1.100';
const OTHER_FIP = '10.0.1.101';
const VIP = '10.0.0.8/32';

describe.skipIf(skip)('agent: floating-IP failover and refusal (netns, FRR; needs root)', () => {
  let lab: AgentLab;
  let agentA: AgentProcess;
  let agentB: AgentProcess;

  beforeAll(async () => {
    const { AgentLab } = await import('./test-support/agent-lab.js');
    lab = await AgentLab.create('agtfo', [
      { name: 'node-a', address: '10.0.1.10/24' },
      { name: 'node-b', address: '10.0.1.11/24' },
    ]);
    await lab.startTor1Cluster([FIP, OTHER_FIP], VIP);
    agentA = lab.startAgent('node-a');
    agentB = lab.startAgent('node-b');
    await Promise.all([agentA.waitReady(), agentB.waitReady()]);
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('A adds the floating IP, FRR sees the session from it, and the status is Established and fresh', async () => {
    await lab.waitFor('address on A', async () => (await lab.holds('node-a', FIP)) === 1);
    expect((await lab.addresses('node-a')).find((a) => a.ip === FIP)).toMatchObject({
      ifname: 'eth0',
      prefixLen: 32,
      label: 'eth0:bgplb',
    });
    expect(await lab.holds('node-b', FIP)).toBe(0);
    await lab.waitFor(
      'FRR Established with the floating IP',
      async () => (await lab.neighbor(FIP))?.bgpState === 'Established',
      20_000,
    );
    await lab.waitFor('route at FRR', async () => (await lab.paths(VIP)).length > 0);
    // The agent coalesces status writes (250 ms from the first change of a burst), so a status
    // may say Established before the session's first UPDATE went out (advertisedRoutes []), and
    // FRR may already have the route when the test reads that status: wait for one status that
    // carries both.
    const status = await lab.waitFor(
      'status Established with the VIP advertised',
      () => {
        const s = lab.sessionStatus('tor1-node-a');
        const routes = s?.advertisedRoutes as string[] | undefined;
        return s?.state === 'Established' && routes?.includes(VIP) ? s : undefined;
      },
      10_000,
    );
    expect(Date.now() - Date.parse(String(status?.lastReportTime))).toBeLessThan(10_000);
    expect(status?.advertisedRoutes).toEqual([VIP]);
    expect(status?.establishedSince).toBeTypeOf('string');
  }, 40_000);

  it('refuses a BGPSession whose floating IP the node does not hold, and announces nothing from it', async () => {
    // The object says node-a, but the NetworkGatewayGroup gives 10.0.1.101 to nobody.
    lab.createSession('tor2', 'node-a', OTHER_FIP, '10.0.1.254');
    await lab.waitFor(
      'refusal in status',
      () => lab.sessionStatus('tor2-node-a')?.lastError !== undefined,
      10_000,
    );
    expect(lab.sessionStatus('tor2-node-a')).toMatchObject({
      state: 'Idle',
      advertisedRoutes: [],
      lastError: {
        code: 0,
        message: `floating IP ${OTHER_FIP} is not assigned to any node in the NetworkGatewayGroup; node node-a does not hold it`,
      },
    });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await lab.holds('node-a', OTHER_FIP)).toBe(0);
    expect((await lab.neighbor(OTHER_FIP))?.bgpState).not.toBe('Established');
    expect((await lab.paths(VIP)).every((p) => p.peer === FIP)).toBe(true);
    lab.deleteSession('tor2-node-a');
  }, 30_000);

  it('moves the floating IP to B: A withdraws and removes it, B adds it, ARPs and re-establishes (gap measured)', async () => {
    const torNeighMac = async (): Promise<string | undefined> => {
      const entries = await lab.tor.ipJson<{ dst: string; lladdr?: string }[]>('neigh', 'show', FIP);
      return entries.find((e) => e.dst === FIP)?.lladdr;
    };
    const macOf = async (node: string): Promise<string> => {
      const links = await lab.nodes
        .get(node)!
        .ipJson<{ ifname: string; address: string }[]>('link', 'show', 'eth0');
      return links[0]!.address;
    };
    const macA = await macOf('node-a');
    const macB = await macOf('node-b');
    await lab.tor.exec('ping', ['-c', '1', '-W', '1', FIP]);
    expect(await torNeighMac()).toBe(macA);
    const before = (await lab.neighbor(FIP))?.connectionsEstablished ?? 0;

    // Sample FRR (route present?) continuously while the controller moves the floating IP.
    const samples: { t: number; routes: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const routes = (await lab.paths(VIP)).length;
        samples.push({ t: Date.now(), routes });
      }
    })();

    const fib = lab.sampleFib(VIP);
    const t0 = Date.now();
    // The controller's order: NetworkGatewayGroup status, then <peer>-B, then delete <peer>-A.
    lab.setGatewayGroup([FIP, OTHER_FIP], { [FIP]: 'node-b' });
    lab.createSession('tor1', 'node-b', FIP, '10.0.1.254');
    lab.deleteSession('tor1-node-a');

    await lab.waitFor(
      'FRR re-established with the floating IP (now on B)',
      async () => {
        const n = await lab.neighbor(FIP);
        return n?.bgpState === 'Established' && (n.connectionsEstablished ?? 0) > before;
      },
      30_000,
      20,
    );
    const tEstablished = Date.now() - t0;
    await lab.waitFor('route back at FRR', async () => (await lab.paths(VIP)).length > 0, 10_000, 20);
    const tRoute = Date.now() - t0;
    polling = false;
    await poller;
    const fibSamples = await fib.stop();
    // A may still be finishing its Cease when B is up already (no coordination between nodes; in
    // a real failover A is down anyway): wait for it, then exactly one copy must remain.
    await lab.waitFor('address gone from A', async () => (await lab.holds('node-a', FIP)) === 0, 10_000);
    expect(await lab.holds('node-b', FIP)).toBe(1);

    // When each agent acted, from its own log (same clock).
    const at = (agent: AgentProcess, pattern: RegExp): number => {
      const line = agent.lines.find((l) => pattern.test(String(l.msg)));
      return line ? Date.parse(String(line.time)) - t0 : Number.NaN;
    };
    const withdrawnA = at(agentA, /session tor1-node-a stopped/);
    const removedA = at(agentA, new RegExp(`floating IP ${FIP.replaceAll('.', '\\.')} removed`));
    const addedB = at(agentB, new RegExp(`floating IP ${FIP.replaceAll('.', '\\.')} added`));
    const startedB = at(agentB, /session tor1-node-b started/);
    // The longest stretch in which FRR had no path for the VIP.
    let gap = 0;
    let missingSince: number | undefined;
    for (const s of samples) {
      if (s.routes === 0 && missingSince === undefined) missingSince = s.t;
      if (s.routes > 0 && missingSince !== undefined) {
        gap = Math.max(gap, s.t - missingSince);
        missingSince = undefined;
      }
    }
    // The same from the kernel FIB of the router (what forwarding uses), sampled much faster.
    let fibGap = 0;
    let fibMissingSince: number | undefined;
    for (const s of fibSamples) {
      if (s.hops === 0 && fibMissingSince === undefined) fibMissingSince = s.t;
      if (s.hops > 0 && fibMissingSince !== undefined) {
        fibGap = Math.max(fibGap, s.t - fibMissingSince);
        fibMissingSince = undefined;
      }
    }
    const fibEvery = Math.round(
      (fibSamples.at(-1)!.t - fibSamples[0]!.t) / Math.max(1, fibSamples.length - 1),
    );
    const sampleEvery =
      samples.length > 1 ? Math.round((samples.at(-1)!.t - samples[0]!.t) / (samples.length - 1)) : 0;

    // A withdrew cleanly first (Cease), then removed the address; B announced it with gratuitous ARP.
    expect(withdrawnA).toBeGreaterThanOrEqual(0);
    expect(removedA).toBeGreaterThanOrEqual(withdrawnA);
    expect(addedB).toBeGreaterThanOrEqual(0);
    expect(startedB).toBeGreaterThanOrEqual(addedB);
    // The gap can be 0: when B's gratuitous ARP wins the race against A's Cease, A's session ends
    // with a TCP reset and FRR (GR helper) keeps the routes as stale until B's End-of-RIB.
    expect(gap).toBeLessThan(tRoute + 1);
    await lab.waitFor('ToR ARP entry points at B', async () => (await torNeighMac()) === macB, 10_000);
    // FRR's neighbor is the same floating IP all along: no other neighbor came up.
    expect((await lab.neighbor(FIP))?.bgpState).toBe('Established');
    await lab.waitFor(
      'status of B Established',
      () => lab.sessionStatus('tor1-node-b')?.state === 'Established',
      10_000,
    );

    // What the operator sees.
    const table = await lab.kubectl('get', 'bgpsessions');
    if (table !== undefined) {
      console.log(`kubectl -n kube-system get bgpsessions\n${table}`);
      const row = table.split('\n').find((l) => l.startsWith('tor1-node-b'));
      expect(row).toMatch(
        /^tor1-node-b\s+65001\s+65000\s+10\.0\.1\.100\s+10\.0\.1\.254\s+Established\s+\d+s/,
      );
    }

    const report = {
      sessionWithdrawnOnA: withdrawnA,
      addressRemovedFromA: removedA,
      addressAddedOnB: addedB,
      sessionStartedOnB: startedB,
      establishedAtFrr: tEstablished,
      routeBackAtFrr: tRoute,
      routeGapAtFrr: gap,
      frrSampledEveryMs: sampleEvery,
      fibGapAtRouter: fibGap,
      fibSampledEveryMs: fibEvery,
    };
    console.log(`FAILOVER GAP (ms, from the NetworkGatewayGroup change): ${JSON.stringify(report)}`);
    expect(tEstablished).toBeLessThan(30_000);
  }, 60_000);

  it('B crashes, A takes the floating IP back; B restarted removes its stale copy and runs nothing', async () => {
    const before = (await lab.neighbor(FIP))?.connectionsEstablished ?? 0;
    agentB.kill('SIGKILL');
    await agentB.exited;
    expect(await lab.holds('node-b', FIP)).toBe(1); // a crash leaves the address behind
    // The controller notices node B is gone and moves the floating IP back to A.
    lab.setGatewayGroup([FIP, OTHER_FIP], { [FIP]: 'node-a' });
    lab.createSession('tor1', 'node-a', FIP, '10.0.1.254');
    lab.deleteSession('tor1-node-b');
    await lab.waitFor('address on A', async () => (await lab.holds('node-a', FIP)) === 1, 15_000);
    await lab.waitFor(
      'FRR Established with the floating IP on A',
      async () => {
        const n = await lab.neighbor(FIP);
        return n?.bgpState === 'Established' && (n.connectionsEstablished ?? 0) > before;
      },
      30_000,
    );
    // B comes back: its leftover is not assigned to it any more, so it goes; nothing starts.
    agentB = lab.startAgent('node-b');
    await agentB.waitReady();
    await lab.waitFor(
      'stale copy removed from B',
      async () => (await lab.holds('node-b', FIP)) === 0,
      10_000,
    );
    // The agent logs the removal after its netlink call returns; the test's own `ip` poll can see
    // the address gone first: wait for the line rather than reading the log once.
    await agentB.waitForLog(
      /floating IP 10\.0\.1\.100 removed from eth0: floating IP 10\.0\.1\.100 is assigned to node node-a, not node-b/,
      10_000,
    );
    expect(agentB.logged(/session .* started/)).toBe(false);
    expect(await lab.holds('node-a', FIP)).toBe(1);
    await lab.waitFor('route at FRR', async () => (await lab.paths(VIP)).length > 0);
    await lab.waitFor(
      'status of A Established',
      () => lab.sessionStatus('tor1-node-a')?.state === 'Established',
      10_000,
    );
  }, 60_000);
});
