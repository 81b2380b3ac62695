/**
 * Planned floating-IP move with `--handover graceful`: A closes its session without withdrawing,
 * FRR (GR helper) keeps the VIP's routes (their next hops do not change with the floating IP), B
 * takes the floating IP and refreshes them with End-of-RIB. The router never loses the VIP.
 * Needs root (network namespaces) and FRR; skipped elsewhere.
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentLab, AgentProcess } from './test-support/agent-lab.js';

const skip = labSkipReason();
if (skip) console.warn(`agent hand-over tests skipped: ${skip}`);

const FIP = '10.0.1.100';
const VIP = '10.0.0.8/32';

describe.skipIf(skip)('agent: graceful hand-over of a floating IP (netns, FRR; needs root)', () => {
  let lab: AgentLab;
  let agentA: AgentProcess;
  let agentB: AgentProcess;

  beforeAll(async () => {
    const { AgentLab } = await import('./test-support/agent-lab.js');
    lab = await AgentLab.create('agtho', [
      { name: 'node-a', address: '10.0.1.10/24' },
      { name: 'node-b', address: '10.0.1.11/24' },
    ]);
    await lab.startTor1Cluster([FIP], VIP);
    agentA = lab.startAgent('node-a', ['--handover', 'graceful']);
    agentB = lab.startAgent('node-b', ['--handover', 'graceful']);
    await Promise.all([agentA.waitReady(), agentB.waitReady()]);
    await lab.waitFor(
      'Established',
      async () => (await lab.neighbor(FIP))?.bgpState === 'Established',
      30_000,
    );
    await lab.waitFor('2 paths at FRR', async () => (await lab.paths(VIP)).length === 2);
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('moves A -> B without the router ever losing the VIP', async () => {
    const before = (await lab.neighbor(FIP))?.connectionsEstablished ?? 0;
    const sampler = lab.samplePaths(VIP);
    // Every change of the ToR's kernel route, however short (a poll could miss a gap between
    // two samples); the lab kills the monitor if the test fails before it is stopped.
    const hopsBefore = await lab.fib(VIP);
    const monitor = await lab.tor.monitorRoutes();
    const watchFrom = Date.now();
    const t0 = Date.now();
    lab.setGatewayGroup([FIP], { [FIP]: 'node-b' });
    lab.createSession('tor1', 'node-b', FIP, '10.0.1.254');
    lab.deleteSession('tor1-node-a');
    await lab.waitFor(
      'FRR Established with the floating IP on B',
      async () => {
        const n = await lab.neighbor(FIP);
        return n?.bgpState === 'Established' && (n.connectionsEstablished ?? 0) > before;
      },
      30_000,
      20,
    );
    const tEstablished = Date.now() - t0;
    await lab.waitFor('routes fresh again', async () => {
      const paths = await lab.paths(VIP);
      return paths.length === 2 && paths.every((p) => !p.stale);
    });
    const tFresh = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 500)); // and a little after
    const samples = await sampler.stop();
    const fibChanges = monitor.nextHopChanges(VIP, watchFrom, hopsBefore);
    await monitor.stop();
    expect(await lab.holds('node-a', FIP)).toBe(0);
    expect(await lab.holds('node-b', FIP)).toBe(1);
    // A log line arrives through A's stdout pipe, in no fixed order with FRR's view: wait for it.
    await lab.waitFor('A to log its graceful hand-over', () =>
      agentA.logged(/stopped for a graceful hand-over/),
    );
    // Not one sample without the VIP's two paths.
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples.filter((s) => s.paths !== 2)).toEqual([]);
    // Forwarding at the router: the kernel route kept both next hops all along.
    expect(hopsBefore).toHaveLength(2);
    expect(fibChanges).toEqual([]);
    const staleSamples = samples.filter((s) => s.stale > 0).length;
    console.log(
      `GRACEFUL HAND-OVER (ms from the NetworkGatewayGroup change): ${JSON.stringify({
        establishedAtFrr: tEstablished,
        routesFreshAtFrr: tFresh,
        bgpSamples: samples.length,
        bgpSamplesWithStaleRoutes: staleSamples,
        fibChanges: fibChanges.length,
        samplesWithoutTheVip: 0,
      })}`,
    );
    await lab.waitFor(
      'status of B Established',
      () => lab.sessionStatus('tor1-node-b')?.state === 'Established',
    );
  }, 60_000);
});
