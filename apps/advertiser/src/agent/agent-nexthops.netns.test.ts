/**
 * Next hops at real routers: a BGPAdvertisedRoute with 3 next hops becomes 3 paths at an FRR that
 * accepts ADD-PATH, and 1 path per session at an FRR with `disable-addpath-rx`, where the 2
 * sessions (2 floating IPs on 2 nodes) carry 2 distinct next hops as the selector says.
 * Needs root (network namespaces) and FRR; skipped elsewhere.
 */
import { rendezvousTopK } from '@bgplb/floating-ip-allocator';
import { labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentLab, torConfig } from './test-support/agent-lab.js';

/** count and sum of bgplb_agent_route_update_seconds in a Prometheus text page. */
function histogram(text: string): { count: number; sum: number } {
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    count: value('bgplb_agent_route_update_seconds_count'),
    sum: value('bgplb_agent_route_update_seconds_sum'),
  };
}

const skip = labSkipReason();
if (skip) console.warn(`agent next-hop tests skipped: ${skip}`);

const FIP_A = '10.0.1.100';
const FIP_B = '10.0.1.101';
const VIP = '10.0.0.8/32';
const HOPS = ['10.0.1.10', '10.0.1.11', '10.0.1.12'];

describe.skipIf(skip)('agent: next hops with and without ADD-PATH (netns, FRR; needs root)', () => {
  let lab: AgentLab;

  beforeAll(async () => {
    const { AgentLab } = await import('./test-support/agent-lab.js');
    lab = await AgentLab.create(
      'agtnh',
      [
        { name: 'node-a', address: '10.0.1.10/24' },
        { name: 'node-b', address: '10.0.1.11/24' },
      ],
      [
        { name: 'addpath', address: '10.0.1.254/24' },
        { name: 'plain', address: '10.0.1.253/24' },
      ],
    );
    // FRR 8.4 accepts ADD-PATH (receive) by default; the second router refuses it.
    await lab.startFrr(torConfig([{ ip: FIP_A, asn: 65001 }], 65000, '10.0.1.254'), 'addpath');
    await lab.startFrr(
      torConfig(
        [FIP_A, FIP_B].map((ip) => ({ ip, asn: 65001, extra: ['disable-addpath-rx'] })),
        65002,
        '10.0.1.253',
      ),
      'plain',
    );
    lab.setGatewayGroup([FIP_A, FIP_B], { [FIP_A]: 'node-a', [FIP_B]: 'node-b' });
    lab.createPeer('addpath', {
      localASN: 65001,
      peerASN: 65000,
      peerIP: '10.0.1.254',
      sessions: 1,
      connectRetryTime: 1,
    });
    lab.createPeer('plain', {
      localASN: 65001,
      peerASN: 65002,
      peerIP: '10.0.1.253',
      sessions: 2,
      connectRetryTime: 1,
    });
    lab.createSession('addpath', 'node-a', FIP_A, '10.0.1.254', 65001, 65000);
    lab.createSession('plain', 'node-a', FIP_A, '10.0.1.253', 65001, 65002);
    lab.createSession('plain', 'node-b', FIP_B, '10.0.1.253', 65001, 65002);
    lab.setRoute('default-default-web', VIP, HOPS);
    const agents = [lab.startAgent('node-a'), lab.startAgent('node-b')];
    await Promise.all(agents.map((a) => a.waitReady()));
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('with ADD-PATH, every next hop is its own path at the router', async () => {
    await lab.waitFor(
      '3 paths at the ADD-PATH router',
      async () => (await lab.paths(VIP, 'addpath')).length === 3,
      30_000,
    );
    const paths = await lab.paths(VIP, 'addpath');
    expect(paths.map((p) => p.nextHop).sort()).toEqual(HOPS);
    expect(new Set(paths.map((p) => p.peer))).toEqual(new Set([FIP_A]));
    await lab.waitFor(
      'status lists the route',
      () => (lab.sessionStatus('addpath-node-a')?.advertisedRoutes as string[] | undefined)?.includes(VIP),
      10_000,
    );
  }, 40_000);

  it('without ADD-PATH, each session carries one next hop, distinct per session, as the selector says', async () => {
    const expected = rendezvousTopK('10.0.0.8', HOPS, 2); // session i (floating IPs sorted) = rank i
    await lab.waitFor(
      'one path per session at the plain router',
      async () => {
        const paths = await lab.paths(VIP, 'plain');
        return paths.length === 2 && new Set(paths.map((p) => p.peer)).size === 2;
      },
      30_000,
    );
    const paths = await lab.paths(VIP, 'plain');
    const byPeer = Object.fromEntries(paths.map((p) => [p.peer, p.nextHop]));
    expect(byPeer).toEqual({ [FIP_A]: expected[0], [FIP_B]: expected[1] });
  }, 40_000);

  it('a next hop that leaves: the sessions follow the new ranking and stay distinct', async () => {
    const countBefore = histogram(await lab.metrics('node-a')).count;
    const before = Object.fromEntries((await lab.paths(VIP, 'plain')).map((p) => [p.peer, p.nextHop]));
    const gone = before[FIP_A] as string;
    const left = HOPS.filter((h) => h !== gone);
    lab.setRoute('default-default-web', VIP, left);
    const expected = rendezvousTopK('10.0.0.8', left, 2);
    await lab.waitFor(
      'paths follow the new next hops',
      async () => {
        const byPeer = Object.fromEntries((await lab.paths(VIP, 'plain')).map((p) => [p.peer, p.nextHop]));
        return byPeer[FIP_A] === expected[0] && byPeer[FIP_B] === expected[1];
      },
      15_000,
    );
    await lab.waitFor(
      'ADD-PATH router has the 2 remaining paths',
      async () => (await lab.paths(VIP, 'addpath')).length === 2,
      15_000,
    );
    expect((await lab.paths(VIP, 'addpath')).map((p) => p.nextHop).sort()).toEqual(left);
    // The agent measured how long the change took from the BGPAdvertisedRoute to the UPDATE.
    // /metrics is re-rendered at most once a second, so wait for a render newer than the change.
    const after = await lab.waitFor(
      'the route-change histogram to count the change',
      async () => {
        const h = histogram(await lab.metrics('node-a'));
        return h.count > countBefore ? h : undefined;
      },
      5_000,
      200,
    );
    expect(after.count).toBeGreaterThan(countBefore);
    console.log(
      `ROUTE CHANGE -> UPDATE (agent histogram on node-a): ${after.count} observations, mean ${((after.sum / after.count) * 1000).toFixed(1)} ms`,
    );
  }, 30_000);
});
