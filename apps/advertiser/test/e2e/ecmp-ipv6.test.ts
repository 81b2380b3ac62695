/**
 * The control-plane advertiser over IPv6: two control-plane nodes announce the same IPv6 VIP
 * (--advertise-ip 2001:db8:100::8) from IPv6 localIPs to an IPv6 peer; FRR has two paths and, with
 * zebra, one multipath /128 in its kernel; stopping one node removes only its next hop. Needs
 * root and FRR.
 */
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdvertiserProcess, ensureBuilt, frrNextHops, startAdvertiser, writeConfig } from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (IPv6 ECMP) skipped: ${skip}`);

const TOR = '2001:db8:1::fe';
const NODES = ['2001:db8:1::10', '2001:db8:1::11'];
const VIP = '2001:db8:100::8';
const PREFIX = `${VIP}/128`;

interface KernelRoute {
  gateway?: string;
  nexthops?: Array<{ gateway: string }>;
}

describe.skipIf(skip)(
  'control-plane advertiser: an IPv6 VIP from two nodes, ECMP at FRR (needs root and FRR)',
  () => {
    const lab = Lab.create('v6bgpcp');
    let tor: Host;
    let frr: FrrRouter;
    const nodes: Host[] = [];
    const advs: AdvertiserProcess[] = [];

    const kernelNextHops = async () => {
      const routes = await tor.ipJson<KernelRoute[]>('-6', 'route', 'show', PREFIX);
      const r = routes[0];
      if (r === undefined) return [];
      return (r.nexthops?.map((h) => h.gateway) ?? [r.gateway ?? '']).sort();
    };

    beforeAll(async () => {
      ensureBuilt();
      tor = await lab.addHost('tor');
      const sw = await lab.addSwitch('rack');
      const torIf = await lab.attach(tor, sw);
      await tor.ip('addr', 'add', `${TOR}/64`, 'dev', torIf, 'nodad');
      for (const [i, ip] of NODES.entries()) {
        const n = await lab.addHost(`cp${i + 1}`);
        const ifName = await lab.attach(n, sw);
        await n.ip('addr', 'add', `${ip}/64`, 'dev', ifName, 'nodad');
        nodes.push(n);
      }
      frr = await tor.startFrr(
        [
          'router bgp 65002',
          ' bgp router-id 10.0.1.254',
          ' no bgp ebgp-requires-policy',
          ' no bgp default ipv4-unicast',
          ' bgp bestpath as-path multipath-relax',
          ' neighbor CP peer-group',
          ' neighbor CP remote-as 65001',
          ' neighbor CP timers connect 1',
          ...NODES.map((ip) => ` neighbor ${ip} peer-group CP`),
          ' address-family ipv6 unicast',
          '  neighbor CP activate',
          '  maximum-paths 8',
          ' exit-address-family',
        ].join('\n'),
        { zebra: true },
      );
    }, 120_000);
    afterAll(() => lab.destroy());

    it('FRR has two paths and a two-way multipath /128 in its kernel', async () => {
      for (const [i, n] of nodes.entries()) {
        const config = writeConfig(
          join(lab.workDir, `cp${i + 1}.conf`),
          `localIP: ${NODES[i]}\nlocalASN: 65001\nholdTime: 9\nconnectRetryTime: 1\npeers:\n- peerIP: ${TOR}\n  peerASN: 65002\n`,
        );
        advs.push(startAdvertiser(n, ['--config', config, '--advertise-ip', VIP]));
      }
      await waitFor(
        `two paths for ${PREFIX} at FRR`,
        async () => (await frrNextHops(frr, PREFIX)).length === 2,
        20_000,
      );
      expect(await frrNextHops(frr, PREFIX)).toEqual(NODES);
      await waitFor(
        'the multipath /128 in the ToR kernel',
        async () => JSON.stringify(await kernelNextHops()) === JSON.stringify(NODES),
        10_000,
      );
    }, 60_000);

    it('stopping one node removes only its next hop', async () => {
      advs[0]?.signal('SIGTERM');
      expect((await advs[0]?.exited)?.code).toBe(0);
      await waitFor('one path left', async () => (await frrNextHops(frr, PREFIX)).length === 1, 10_000);
      expect(await frrNextHops(frr, PREFIX)).toEqual([NODES[1]]);
      await waitFor(
        'one next hop left in the kernel',
        async () => JSON.stringify(await kernelNextHops()) === JSON.stringify([NODES[1]]),
        10_000,
      );
      advs[1]?.signal('SIGTERM');
      expect((await advs[1]?.exited)?.code).toBe(0);
    }, 30_000);
  },
);
