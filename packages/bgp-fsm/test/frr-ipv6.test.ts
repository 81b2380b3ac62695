/**
 * IPv6 announcements at FRR 8.4 with zebra, in network namespaces (needs root and FRR; skips
 * elsewhere). Our speaker runs in host "node" and peers with FRR in host "tor" twice: over IPv6
 * (2001:db8:1::10 -> ::1) and over IPv4 (10.0.1.10 -> .1) with ipv6-unicast activated. A /128
 * with three next hops (three load-balancer nodes on the shared link) must reach the tor's
 * kernel as one multipath route with those three next hops, and leave it on withdrawal, over
 * each session. An IPv4 /32 over the IPv6 session, with RFC 8950 extended next hop, must be
 * installed via our IPv6 address.
 */

import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpeakerEvent } from '../src/index.js';
import { SpeakerProcess } from './driver-client.js';

const skip = labSkipReason();
if (skip) console.warn(`bgp-fsm FRR IPv6 interop tests skipped: ${skip}`);

const NODE4 = '10.0.1.10';
const TOR4 = '10.0.1.1';
const NODE6 = '2001:db8:1::10';
const TOR6 = '2001:db8:1::1';
const LOCAL_AS = 65001;
const FRR_AS = 65000;
/** The load-balancer nodes' IPv6 addresses: third-party next hops on the shared link. */
const HOPS6 = ['2001:db8:1::11', '2001:db8:1::12', '2001:db8:1::13'];
const VIP_OVER_V6 = '2001:db8:100::1/128';
const VIP_OVER_V4 = '2001:db8:100::2/128';
const VIP4_ENH = '192.0.2.7/32';

const FRR_CONF = `
router bgp ${FRR_AS}
 bgp router-id ${TOR4}
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 timers bgp 1 3
 neighbor ${NODE6} remote-as ${LOCAL_AS}
 neighbor ${NODE6} timers connect 1
 neighbor ${NODE6} capability extended-nexthop
 neighbor ${NODE4} remote-as ${LOCAL_AS}
 neighbor ${NODE4} timers connect 1
 address-family ipv4 unicast
  neighbor ${NODE6} activate
  neighbor ${NODE4} activate
  maximum-paths 8
 exit-address-family
 address-family ipv6 unicast
  neighbor ${NODE6} activate
  neighbor ${NODE4} activate
  maximum-paths 8
 exit-address-family
`;

const common = {
  localAsn: LOCAL_AS,
  peerAsn: FRR_AS,
  holdTime: 3,
  connectRetryTime: 1,
  idleHoldTime: 0.2,
  idleHoldMaxTime: 1,
  families: ['ipv4-unicast', 'ipv6-unicast'],
};

interface KernelRoute {
  dst: string;
  gateway?: string;
  via?: { family: string; host: string };
  nexthops?: { gateway?: string }[];
}

describe.skipIf(skip)('IPv6 at FRR 8.4 with zebra (needs root and FRR)', { timeout: 40_000 }, () => {
  const lab = Lab.create('v6bgpfrr');
  let tor: Host;
  let node: Host;
  let frr: FrrRouter;
  let sp: SpeakerProcess;

  /** The next hops of a route in the tor's kernel FIB, sorted ([] when absent). */
  const fibNextHops = async (prefix: string): Promise<string[]> => {
    const v6 = prefix.includes(':');
    const routes = await tor.ipJson<KernelRoute[]>(v6 ? '-6' : '-4', 'route', 'show', prefix);
    const r = routes[0];
    if (r === undefined) return [];
    if (r.nexthops !== undefined) return r.nexthops.map((n) => n.gateway ?? '?').sort();
    return [r.gateway ?? r.via?.host ?? '?'];
  };
  const waitFib = (prefix: string, hops: string[]) =>
    waitFor(
      `${prefix} in the tor's FIB via ${hops.join(', ') || 'nothing'}`,
      async () => JSON.stringify(await fibNextHops(prefix)) === JSON.stringify(hops),
      15_000,
      100,
    );
  const established = (peer: string) =>
    waitFor(
      `FRR to see ${peer} Established`,
      async () => {
        const r = await frr.json<Record<string, { bgpState?: string }>>(`show bgp neighbors ${peer} json`);
        return r[peer]?.bgpState === 'Established';
      },
      20_000,
      100,
    );

  beforeAll(async () => {
    tor = await lab.addHost('tor');
    node = await lab.addHost('node');
    await lab.link(node, `${NODE4}/24`, tor, `${TOR4}/24`);
    // nodad: the addresses are usable at once (no 1 s of duplicate address detection).
    await node.ip('addr', 'add', `${NODE6}/64`, 'dev', 'eth0', 'nodad');
    await tor.ip('addr', 'add', `${TOR6}/64`, 'dev', 'eth0', 'nodad');
    await tor.sysctl('net.ipv6.conf.all.forwarding', 1);
    frr = await tor.startFrr(FRR_CONF, { zebra: true });
    sp = await SpeakerProcess.start(node);
    await sp.call('listen', NODE4, 179);
    await sp.call('listen', NODE6, 179);
    await sp.call('addPeer', { ...common, localAddress: NODE6, peerAddress: TOR6, extendedNextHop: NODE6 });
    await sp.call('addPeer', { ...common, localAddress: NODE4, peerAddress: TOR4 });
    await Promise.all([established(NODE6), established(NODE4)]);
  }, 60_000);

  afterAll(async () => {
    await sp?.stop();
    await lab.destroy();
  });

  it('both sessions negotiate both families, with ADD-PATH; RFC 8950 on the IPv6 one', async () => {
    const v6 = await sp.status(TOR6);
    const v4 = await sp.status(TOR4);
    expect(v6?.negotiated).toMatchObject({ families: ['1/1', '2/1'], extendedNextHop: true });
    expect(v4?.negotiated?.families).toEqual(['1/1', '2/1']);
    expect(v4?.negotiated?.extendedNextHop).toBeUndefined();
    // End-of-RIB for each family on each session.
    for (const peer of [TOR6, TOR4]) {
      for (const family of ['1/1', '2/1']) {
        await sp.waitEvent(
          (e: SpeakerEvent) => e.type === 'end-of-rib-sent' && e.peer === peer && e.family === family,
        );
      }
    }
  });

  it.each([
    { how: 'an IPv6 session', peer: TOR6, vip: VIP_OVER_V6 },
    { how: 'an IPv4 session with ipv6-unicast', peer: TOR4, vip: VIP_OVER_V4 },
  ])(
    'over $how: the /128 is one multipath route with a next hop per node; withdrawal removes it',
    async ({ peer, vip }) => {
      await sp.call(
        'setPaths',
        vip,
        HOPS6.map((nextHop) => ({ nextHop })),
        { peers: [peer] },
      );
      await waitFib(vip, HOPS6);
      // One node less: its path alone is withdrawn.
      await sp.call(
        'setPaths',
        vip,
        HOPS6.slice(1).map((nextHop) => ({ nextHop })),
        { peers: [peer] },
      );
      await waitFib(vip, HOPS6.slice(1));
      await sp.call('withdraw', vip, { peers: [peer] });
      await waitFib(vip, []);
    },
  );

  it('an IPv4 /32 over the IPv6 session (RFC 8950) is installed via our IPv6 address', async () => {
    await sp.call('setPaths', VIP4_ENH, [{ nextHop: '10.0.1.11' }, { nextHop: '10.0.1.12' }], {
      peers: [TOR6],
    });
    await waitFib(VIP4_ENH, [NODE6]);
    await sp.call('withdraw', VIP4_ENH, { peers: [TOR6] });
    await waitFib(VIP4_ENH, []);
  });
});
