/**
 * Crash and restart with graceful restart: kill -9 of the agent leaves its floating IP on the
 * interface and its routes at FRR (stale, GR helper mode); the restarted agent adds no duplicate
 * address, re-establishes with the Restart State bit and refreshes the routes (End-of-RIB) without
 * a withdrawal. Also the planned restart (`--on-exit graceful-restart`, SIGTERM).
 * Needs root (network namespaces) and FRR; skipped elsewhere.
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentLab, AgentProcess } from './test-support/agent-lab.js';

const skip = labSkipReason();
if (skip) console.warn(`agent restart tests skipped: ${skip}`);

const FIP = '10.0.1.100';
const VIP = '10.0.0.8/32';

describe.skipIf(skip)('agent: crash and graceful restart (netns, FRR; needs root)', () => {
  let lab: AgentLab;
  let agent: AgentProcess;

  async function restartCycle(stopAgent: () => void, extraArgs: string[]): Promise<void> {
    const before = (await lab.neighbor(FIP))?.connectionsEstablished ?? 0;
    const sampler = lab.samplePaths(VIP, 25);
    // Every change of the ToR's kernel route, however short (a poll could miss a gap between
    // two samples); the lab kills the monitor if the test fails before it is stopped.
    const hopsBefore = await lab.fib(VIP);
    const monitor = await lab.tor.monitorRoutes();
    const watchFrom = Date.now();
    stopAgent();
    await agent.exited;
    // FRR keeps the routes as stale while we are away (GR helper).
    await lab.waitFor('routes stale at FRR', async () => {
      const paths = await lab.paths(VIP);
      return paths.length === 2 && paths.every((p) => p.stale);
    });
    expect(await lab.holds('node-a', FIP)).toBe(1);

    agent = lab.startAgent('node-a', extraArgs);
    await agent.waitReady();
    expect(agent.logged(/found floating IPs from an earlier run; restarting with graceful restart/)).toBe(
      true,
    );
    expect(agent.logged(/floating IP 10\.0\.1\.100 added/)).toBe(false);
    expect(await lab.holds('node-a', FIP)).toBe(1);
    await lab.waitFor(
      'session back',
      async () => {
        const n = await lab.neighbor(FIP);
        return n?.bgpState === 'Established' && (n.connectionsEstablished ?? 0) > before;
      },
      30_000,
    );
    // The restarted agent set the Restart State bit in its OPEN.
    const gr = await lab.frr.json<Record<string, { gracefulRestartInfo?: { rBit?: boolean } }>>(
      `show bgp neighbors ${FIP} json`,
    );
    expect(gr[FIP]?.gracefulRestartInfo?.rBit).toBe(true);
    // End-of-RIB clears the stale flags; the routes were refreshed, never withdrawn.
    await lab.waitFor('routes fresh again', async () => {
      const paths = await lab.paths(VIP);
      return paths.length === 2 && paths.every((p) => !p.stale);
    });
    const samples = await sampler.stop();
    const fibChanges = monitor.nextHopChanges(VIP, watchFrom, hopsBefore);
    await monitor.stop();
    // Forwarding at the router: the kernel route kept both next hops the whole time.
    expect(hopsBefore).toHaveLength(2);
    expect(fibChanges).toEqual([]);
    expect(samples.length).toBeGreaterThan(10);
    expect(samples.filter((s) => s.paths !== 2)).toEqual([]);
    expect(samples.some((s) => s.stale === 2)).toBe(true);
    // FRR clears the stale flags on End-of-RIB, which the agent logs just after sending it: the
    // test's vtysh poll can see the routes fresh before that line reaches it.
    await agent.waitForLog(/sent end-of-rib/, 10_000);
    await lab.waitFor(
      'status Established again',
      () => lab.sessionStatus('tor1-node-a')?.state === 'Established',
    );
    expect(await lab.holds('node-a', FIP)).toBe(1);
  }

  beforeAll(async () => {
    const { AgentLab } = await import('./test-support/agent-lab.js');
    lab = await AgentLab.create('agtgr', [{ name: 'node-a', address: '10.0.1.10/24' }]);
    await lab.startTor1Cluster([FIP], VIP);
    agent = lab.startAgent('node-a', ['--on-exit', 'graceful-restart']);
    await agent.waitReady();
    await lab.waitFor(
      'Established',
      async () => (await lab.neighbor(FIP))?.bgpState === 'Established',
      30_000,
    );
    await lab.waitFor('2 paths at FRR (ADD-PATH)', async () => (await lab.paths(VIP)).length === 2);
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('advertises graceful restart, which FRR accepts as helper', async () => {
    const n = await lab.frr.json<Record<string, { gracefulRestartInfo?: Record<string, unknown> }>>(
      `show bgp neighbors ${FIP} json`,
    );
    expect(n[FIP]?.gracefulRestartInfo).toMatchObject({
      localGrMode: 'Helper*',
      remoteGrMode: 'Restart',
      rBit: false,
      endOfRibRecv: { ipv4Unicast: true },
      timers: { receivedRestartTimer: 120 },
    });
  });

  it('kill -9, then restart: no duplicate address, routes kept stale and refreshed without withdrawal', async () => {
    await restartCycle(() => agent.kill('SIGKILL'), ['--on-exit', 'graceful-restart']);
  }, 60_000);

  it('SIGTERM with --on-exit graceful-restart behaves the same (planned upgrade)', async () => {
    await restartCycle(() => agent.kill('SIGTERM'), []);
    expect(agent.child.exitCode).toBeNull();
  }, 60_000);

  it('SIGTERM with the default --on-exit withdraw withdraws, sends Cease and removes the address', async () => {
    agent.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(await lab.holds('node-a', FIP)).toBe(0);
    await lab.waitFor('routes withdrawn at FRR', async () => (await lab.paths(VIP)).length === 0);
    expect((await lab.neighbor(FIP))?.bgpState).not.toBe('Established');
    expect(lab.sessionStatus('tor1-node-a')).toMatchObject({ state: 'Idle', advertisedRoutes: [] });
  }, 30_000);
});
