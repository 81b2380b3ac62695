/**
 * The agent announcing IPv6 at a real router: one agent, two BGPSessions to FRR 8.4 (with zebra),
 * one from an IPv6 floating IP and one from an IPv4 floating IP (ipv6-unicast activated on it at
 * FRR). An IPv6 BGPAdvertisedRoute with two next hops becomes, over each session, two ADD-PATH
 * paths, and one multipath /128 in the router's kernel; deleting the route removes it. An IPv4
 * route reaches FRR over the IPv6 session too, by RFC 8950, with the floating IP as next hop.
 * Needs root (network namespaces) and FRR; skipped elsewhere.
 */
import { type FrrRouter, labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentLab } from './test-support/agent-lab.js';

const skip = labSkipReason();
if (skip) console.warn(`agent IPv6 tests skipped: ${skip}`);

const TOR4 = '10.0.1.254';
const TOR6 = '2001:db8:1::fe';
const FIP4 = '10.0.1.100';
const FIP6 = '2001:db8:1::100';
const VIP6 = '2001:db8:100::8/128';
const HOPS6 = ['2001:db8:1::10', '2001:db8:1::11'];
const VIP4 = '10.0.0.8/32';

const FRR_CONF = `
router bgp 65000
 bgp router-id ${TOR4}
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 bgp bestpath as-path multipath-relax
 neighbor ${FIP4} remote-as 65001
 neighbor ${FIP4} timers 3 9
 neighbor ${FIP4} timers connect 1
 neighbor ${FIP4} advertisement-interval 0
 neighbor ${FIP6} remote-as 65001
 neighbor ${FIP6} timers 3 9
 neighbor ${FIP6} timers connect 1
 neighbor ${FIP6} advertisement-interval 0
 neighbor ${FIP6} capability extended-nexthop
 address-family ipv4 unicast
  neighbor ${FIP6} activate
  maximum-paths 8
 exit-address-family
 address-family ipv6 unicast
  neighbor ${FIP4} activate
  neighbor ${FIP6} activate
  maximum-paths 8
 exit-address-family
`;

interface FrrPath {
  nexthops?: { ip: string }[];
  peer?: { peerId?: string };
}

describe.skipIf(skip)('agent: IPv6 VIPs over IPv6 and IPv4 sessions (netns, FRR; needs root)', () => {
  let lab: AgentLab;
  let frr: FrrRouter;

  const frrPaths = async (family: 'ipv4' | 'ipv6', prefix: string) => {
    const r = await frr.json<{ paths?: FrrPath[] }>(`show bgp ${family} unicast ${prefix} json`);
    return (r.paths ?? []).map((p) => `${p.peer?.peerId} ${p.nexthops?.[0]?.ip}`).sort();
  };
  const fib6 = async (prefix: string) => {
    const routes = await lab.tor.ipJson<{ gateway?: string; nexthops?: { gateway?: string }[] }[]>(
      '-6',
      'route',
      'show',
      prefix,
    );
    return routes
      .flatMap((r) => (r.nexthops ? r.nexthops.map((n) => n.gateway ?? '') : [r.gateway ?? '']))
      .sort();
  };

  beforeAll(async () => {
    const { AgentLab } = await import('./test-support/agent-lab.js');
    lab = await AgentLab.create(
      'v6bgpag',
      [{ name: 'node-a', address: '10.0.1.10/24' }],
      [{ name: 'tor', address: `${TOR4}/24` }],
    );
    // The rack's IPv6 subnet (nodad: usable at once); the floating IPs go on eth0 as /128s.
    await lab.tor.ip('addr', 'add', `${TOR6}/64`, 'dev', 'eth0', 'nodad');
    await lab.nodes.get('node-a')!.ip('addr', 'add', `${HOPS6[0]}/64`, 'dev', 'eth0', 'nodad');
    frr = await lab.startFrr(FRR_CONF);
    lab.setGatewayGroup([FIP4, FIP6], { [FIP4]: 'node-a', [FIP6]: 'node-a' });
    lab.createPeer('tor4', {
      localASN: 65001,
      peerASN: 65000,
      peerIP: TOR4,
      sessions: 1,
      connectRetryTime: 1,
    });
    lab.createPeer('tor6', {
      localASN: 65001,
      peerASN: 65000,
      peerIP: TOR6,
      sessions: 1,
      connectRetryTime: 1,
    });
    lab.createSession('tor4', 'node-a', FIP4, TOR4);
    lab.createSession('tor6', 'node-a', FIP6, TOR6);
    lab.setRoute('default-default-web6', VIP6, HOPS6);
    lab.setRoute('default-default-web4', VIP4, ['10.0.1.10']);
    await lab.startAgent('node-a').waitReady();
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it('the /128 reaches FRR over both sessions, every next hop its own path, and the kernel as one multipath route', async () => {
    const want = [...HOPS6.map((h) => `${FIP4} ${h}`), ...HOPS6.map((h) => `${FIP6} ${h}`)].sort();
    await lab.waitFor(
      '4 IPv6 paths at FRR (2 next hops x 2 sessions)',
      async () => JSON.stringify(await frrPaths('ipv6', VIP6)) === JSON.stringify(want),
      30_000,
    );
    await lab.waitFor(
      'a multipath /128 in the router kernel',
      async () => JSON.stringify(await fib6(VIP6)) === JSON.stringify(HOPS6),
      15_000,
    );
    expect(await fib6(VIP6)).toEqual(HOPS6);
  }, 60_000);

  it('the IPv4 VIP goes over the IPv6 session with the floating IP as next hop (RFC 8950)', async () => {
    await lab.waitFor(
      'the IPv4 VIP at FRR from the IPv6 session',
      async () => JSON.stringify(await frrPaths('ipv4', VIP4)) === JSON.stringify([`${FIP6} ${FIP6}`]),
      30_000,
    );
  }, 40_000);

  it('deleting the IPv6 route withdraws it from FRR and from the kernel', async () => {
    lab.server.store.delete(
      'networking.gke.io/v1',
      'BGPAdvertisedRoute',
      'default-default-web6',
      'kube-system',
    );
    await lab.waitFor(
      'the /128 gone from FRR',
      async () => (await frrPaths('ipv6', VIP6)).length === 0,
      15_000,
    );
    await lab.waitFor('the /128 gone from the kernel', async () => (await fib6(VIP6)).length === 0, 15_000);
  }, 40_000);
});
